package dev.magnet.spark.data.image;

import java.io.Serializable;
import java.util.Objects;

/**
 * One input that could not be used, as a row of a rejects table: where it is, why, and the file's
 * size and modification time when it is a file.
 *
 * <p>A plain class rather than a record: Spark's serialisers set fields reflectively, which Java 17
 * refuses on a record's final fields.
 */
public final class RejectedFile implements Serializable {
  private static final long serialVersionUID = 1L;

  private String path;
  private RejectReason reason;
  private String detail;
  private Long size;
  private Long modified;

  /** For serialisers. */
  public RejectedFile() {}

  /**
   * @param path the file's path, or where the row is in its table
   * @param size the file's (or the row's encoded image's) length in bytes, or null
   * @param modified the file's modification time in ms since the epoch, or null
   */
  public RejectedFile(String path, RejectReason reason, String detail, Long size, Long modified) {
    this.path = Objects.requireNonNull(path, "path");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.detail = Objects.requireNonNull(detail, "detail");
    this.size = size;
    this.modified = modified;
  }

  public String path() {
    return path;
  }

  public RejectReason reason() {
    return reason;
  }

  public String detail() {
    return detail;
  }

  /** Bytes, or null when unknown. */
  public Long size() {
    return size;
  }

  /** Modification time in ms since the epoch, or null when unknown. */
  public Long modified() {
    return modified;
  }

  @Override
  public String toString() {
    return path + ": " + reason.spelling() + " (" + detail + ")";
  }
}
