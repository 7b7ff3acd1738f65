package dev.magnet.spark.neighbours;

/**
 * How the index measures distance, stated in its metadata. Both rank by Euclidean distance, which
 * Lucene's {@code VectorSimilarityFunction.EUCLIDEAN} scores as {@code 1 / (1 + d²)}; cosine
 * distance is Euclidean distance between vectors scaled to unit length ({@code 1 − cos = d² / 2}),
 * so one graph and one K-means serve both.
 */
public enum VectorMetric {
  /** {@code ‖a − b‖}: Magnet's embeddings are not normalised and the loss is Euclidean. */
  EUCLIDEAN,
  /** {@code 1 − a·b / (‖a‖‖b‖)}: vectors are scaled to unit length when they enter the index. */
  COSINE;

  /** The vector as the index stores it: a copy scaled to unit length for cosine, the vector itself otherwise. */
  public float[] prepare(float[] vector) {
    if (this == EUCLIDEAN) {
      return vector;
    }
    double norm = 0;
    for (float v : vector) {
      norm += (double) v * v;
    }
    if (norm == 0) {
      throw new IllegalArgumentException("a zero vector has no cosine distance");
    }
    double scale = 1 / Math.sqrt(norm);
    float[] unit = new float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      unit[i] = (float) (vector[i] * scale);
    }
    return unit;
  }

  /** The distance reported for a squared Euclidean distance between prepared vectors. */
  public double fromSquared(double squared) {
    return this == EUCLIDEAN ? Math.sqrt(squared) : squared / 2;
  }

  /** The squared Euclidean distance between prepared vectors at a reported distance (for thresholds). */
  public double toSquared(double distance) {
    return this == EUCLIDEAN ? distance * distance : distance * 2;
  }

  /** ‖a − b‖² of two prepared vectors, accumulated in double. */
  public static double squared(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double d = (double) a[i] - b[i];
      sum += d * d;
    }
    return sum;
  }
}
