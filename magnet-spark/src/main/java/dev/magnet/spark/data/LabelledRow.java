package dev.magnet.spark.data;

import java.io.Serializable;

/**
 * What an example carries in the Spark job whatever else it holds: a stable id, its class, and
 * its fine label (hierarchy experiments; -1 when none). {@link Example} adds its features,
 * {@link EmbeddedExample} its embedding.
 *
 * <p>A class rather than a record, so that both kinds of row share it; Kryo's field serialiser
 * ships the rows of a job (through the no-argument constructors).
 */
public abstract class LabelledRow implements Serializable {
  private static final long serialVersionUID = 1L;

  private long id;
  private int label;
  private int fineLabel;

  /** For serialisers. */
  LabelledRow() {}

  LabelledRow(long id, int label, int fineLabel) {
    this.id = id;
    this.label = label;
    this.fineLabel = fineLabel;
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
}
