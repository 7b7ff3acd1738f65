package dev.magnet.spark.data.image;

import java.io.Serializable;
import java.util.Objects;

/**
 * One input that could not be used, as a row of a rejects table: where it is, why, and the file's
 * size and modification time when it is a file.
 *
 * @param path the file's path, or where the row is in its table
 * @param size the file's (or the row's encoded image's) length in bytes, or null when unknown
 * @param modified the file's modification time in ms since the epoch, or null when unknown
 */
public record RejectedFile(String path, RejectReason reason, String detail, Long size, Long modified)
    implements Serializable {
  public RejectedFile {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
  }

  @Override
  public String toString() {
    return path + ": " + reason.spelling() + " (" + detail + ")";
  }
}
