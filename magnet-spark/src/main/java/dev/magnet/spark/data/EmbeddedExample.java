package dev.magnet.spark.data;

/** An example's embedding with its id and labels; what the index refresh works on. */
public final class EmbeddedExample extends LabelledRow {
  private static final long serialVersionUID = 1L;

  private float[] embedding;

  /** For serialisers. */
  public EmbeddedExample() {}

  public EmbeddedExample(long id, int label, int fineLabel, float[] embedding) {
    super(id, label, fineLabel);
    this.embedding = embedding;
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
