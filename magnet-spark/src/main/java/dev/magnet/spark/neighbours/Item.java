package dev.magnet.spark.neighbours;

import java.io.Serializable;

/**
 * One row of an embeddings table as the index holds it: the id, the path and label when the table
 * has them (else null), and the vector, already prepared for the index's metric
 * ({@link VectorMetric#prepare}).
 */
public final class Item implements Serializable {
  private static final long serialVersionUID = 1L;

  private long id;
  private String path;
  private String label;
  private float[] vector;

  /** For serialisers. */
  public Item() {}

  public Item(long id, String path, String label, float[] vector) {
    this.id = id;
    this.path = path;
    this.label = label;
    this.vector = vector;
  }

  public long id() {
    return id;
  }

  /** The item's file (an image), or null. */
  public String path() {
    return path;
  }

  /** The item's class name, or null. */
  public String label() {
    return label;
  }

  public float[] vector() {
    return vector;
  }
}
