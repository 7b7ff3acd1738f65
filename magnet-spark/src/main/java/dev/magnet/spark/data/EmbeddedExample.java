package dev.magnet.spark.data;

import java.io.Serializable;

/** An example's embedding with its id and labels; what the index refresh works on. */
public final class EmbeddedExample implements Serializable {
  private static final long serialVersionUID = 1L;

  private long id;
  private int label;
  private int fineLabel;
  private float[] embedding;

  /** For serialisers. */
  public EmbeddedExample() {}

  public EmbeddedExample(long id, int label, int fineLabel, float[] embedding) {
    this.id = id;
    this.label = label;
    this.fineLabel = fineLabel;
    this.embedding = embedding;
  }

  public long id() {
    return id;
  }

  public int label() {
    return label;
  }

  public int fineLabel() {
    return fineLabel;
  }

  public float[] embedding() {
    return embedding;
  }

  public double[] embeddingAsDoubles() {
    double[] values = new double[embedding.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = embedding[i];
    }
    return values;
  }
}
