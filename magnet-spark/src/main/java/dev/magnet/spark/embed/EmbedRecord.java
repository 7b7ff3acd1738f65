package dev.magnet.spark.embed;

import java.io.Serializable;

/**
 * The job's result for one input: its embedding and classification, or why it was rejected.
 * One type for both, so that one cached RDD feeds the embeddings table, the rejects table and the
 * summary counts.
 */
public final class EmbedRecord implements Serializable {
  private static final long serialVersionUID = 1L;

  private long id;
  private String path;
  private String folder;
  private String label;
  private float[] embedding;
  private int prediction;
  private double probability;
  private int cluster;
  private RejectReason reason;
  private String detail;

  /** For serialisers. */
  public EmbedRecord() {}

  /** An embedded input. */
  static EmbedRecord embedded(EmbedItem item, float[] embedding, int prediction, double probability, int cluster) {
    EmbedRecord r = of(item);
    r.embedding = embedding;
    r.prediction = prediction;
    r.probability = probability;
    r.cluster = cluster;
    return r;
  }

  /** A rejected input. */
  static EmbedRecord rejected(EmbedItem item, RejectReason reason, String detail) {
    EmbedRecord r = of(item);
    r.reason = reason;
    r.detail = detail;
    return r;
  }

  private static EmbedRecord of(EmbedItem item) {
    EmbedRecord r = new EmbedRecord();
    r.id = item.id();
    r.path = item.path();
    r.folder = item.folder();
    r.label = item.label();
    return r;
  }

  public boolean isRejected() {
    return reason != null;
  }

  public long id() {
    return id;
  }

  public String path() {
    return path;
  }

  /** The class folder of an image file, null otherwise. */
  public String folder() {
    return folder;
  }

  /** The known class name, or null. */
  public String label() {
    return label;
  }

  public float[] embedding() {
    return embedding;
  }

  /** The predicted class id. */
  public int prediction() {
    return prediction;
  }

  /** The predicted class's probability by the cluster rule. */
  public double probability() {
    return probability;
  }

  /** The index of the nearest centroid. */
  public int cluster() {
    return cluster;
  }

  /** Why it was rejected; null when embedded. */
  public RejectReason reason() {
    return reason;
  }

  public String detail() {
    return detail;
  }
}
