package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.cluster.ClusterIndex;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PcaTest {
  /** Unit direction in 10-D whose largest coordinate (index 3) is negative: the fit must flip it. */
  private static final double[] DIRECTION = unit(new double[] {0.1, 0.2, -0.1, -0.8, 0.3, 0.0, 0.25, -0.2, 0.1, 0.15});
  private static final double[] OFFSET = {5, -3, 2, 0, 1, 1, -7, 4, 0.5, 2};

  @Test
  void pointsOnALineIn10DProjectOntoTheirPositionAlongIt() {
    double[] t = {-4, -1, 0, 0.5, 2, 3, 7.5};
    double[][] points = new double[t.length][];
    for (int i = 0; i < t.length; i++) {
      points[i] = new double[10];
      for (int j = 0; j < 10; j++) {
        points[i][j] = OFFSET[j] + t[i] * DIRECTION[j];
      }
    }
    Pca pca = Pca.fit(points, 2);
    double[] flipped = Arrays.stream(DIRECTION).map(v -> -v).toArray();
    assertArrayEquals(flipped, pca.component(0), 1e-9, "the line's direction, largest coordinate positive");
    assertEquals(1.0, pca.explainedVarianceRatio()[0], 1e-9);
    assertEquals(0.0, pca.explainedVarianceRatio()[1], 1e-9);
    double meanT = Arrays.stream(t).average().orElseThrow();
    for (int i = 0; i < t.length; i++) {
      double[] xy = pca.project(points[i]);
      assertEquals(-(t[i] - meanT), xy[0], 1e-9, "point " + i + " along the line");
      assertEquals(0.0, xy[1], 1e-9, "point " + i + " has nothing off the line");
    }
  }

  @Test
  void anElongatedCloudsLongAxisIsTheFirstComponent() {
    // 2-D Gaussian with standard deviations 3 and 1, rotated by 30 degrees.
    double angle = Math.toRadians(30);
    double[] major = {Math.cos(angle), Math.sin(angle)};
    double[] minor = {-Math.sin(angle), Math.cos(angle)};
    SplittableRandom random = new SplittableRandom(7);
    double[][] points = new double[4000][];
    for (int i = 0; i < points.length; i++) {
      double a = 3 * gaussian(random);
      double b = gaussian(random);
      points[i] = new double[] {a * major[0] + b * minor[0], a * major[1] + b * minor[1]};
    }
    Pca pca = Pca.fit(points, 2);
    assertEquals(1.0, Math.abs(dot(pca.component(0), major)), 1e-3);
    assertEquals(1.0, Math.abs(dot(pca.component(1), minor)), 1e-3);
    assertEquals(0.9, pca.explainedVarianceRatio()[0], 0.02, "9 / (9 + 1) of the variance");
  }

  @Test
  void identicalPointsGiveZeroVarianceNotNaN() {
    Pca pca = Pca.fit(new double[][] {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}, 2);
    assertArrayEquals(new double[] {0, 0}, pca.explainedVarianceRatio());
    assertArrayEquals(new double[] {0, 0}, pca.project(new double[] {1, 2, 3}), 1e-12);
  }

  @Test
  void badInputIsRefusedWithTheValue() {
    IllegalArgumentException one = assertThrows(IllegalArgumentException.class, () -> Pca.fit(new double[][] {{1, 2}}, 1));
    assertEquals("PCA needs at least 2 points; points=1", one.getMessage());
    IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(new double[][] {{1, 2}, {3, 4}}, 3));
    assertEquals("components must be in [1, 2]; components=3", many.getMessage());
    IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
        () -> Pca.fit(new double[][] {{1, 2}, {3, 4, 5}}, 1));
    assertEquals("embedding dimensions differ: 3!=2", ragged.getMessage());
  }

  @Test
  void centroidsAreProjectedWithTheSamplesTransform() {
    ClusterIndex index = ClusterIndex.of(2, new double[][] {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
        new int[] {0, 0, 1, 1}, new long[] {3, 2, 4, 1}, 0.25, null);
    SplittableRandom random = new SplittableRandom(3);
    float[][] embeddings = new float[50][3];
    int[] labels = new int[50];
    for (int i = 0; i < embeddings.length; i++) {
      for (int j = 0; j < 3; j++) {
        embeddings[i][j] = (float) (2 * random.nextDouble() - 1);
      }
      labels[i] = i % 2;
    }
    embeddings[17] = new float[] {0, 1, 0}; // equal to centroid 2
    embeddings[30] = new float[] {1, 0, 0}; // equal to centroid 1
    Projection projection = Projection.of(new EmbeddingSample(embeddings, labels, "test"), index);
    assertArrayEquals(projection.points()[17], projection.centroids()[2], 1e-9);
    assertArrayEquals(projection.points()[30], projection.centroids()[1], 1e-9);
    assertTrue(distance(projection.centroids()[1], projection.centroids()[2]) > 0.1,
        "distinct centroids stay apart: " + Arrays.deepToString(projection.centroids()));
    assertArrayEquals(new int[] {0, 0, 1, 1}, projection.centroidClasses());
  }

  @Test
  void oneDimensionalEmbeddingsLieOnTheXAxis() {
    ClusterIndex index = ClusterIndex.of(2, new double[][] {{-1}, {1}}, new int[] {0, 1}, new long[] {1, 1}, 0.5, null);
    Projection projection = Projection.of(new EmbeddingSample(new float[][] {{-2}, {0}, {2}}, new int[] {0, 0, 1}, "t"),
        index);
    assertArrayEquals(new double[] {2, 0}, projection.points()[2], 1e-9);
    assertArrayEquals(new double[] {1, 0}, projection.centroids()[1], 1e-9);
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  private static double[] unit(double[] v) {
    double norm = Math.sqrt(dot(v, v));
    return Arrays.stream(v).map(x -> x / norm).toArray();
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private static double distance(double[] a, double[] b) {
    return Math.hypot(a[0] - b[0], a[1] - b[1]);
  }
}
