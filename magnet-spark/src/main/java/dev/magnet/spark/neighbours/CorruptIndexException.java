package dev.magnet.spark.neighbours;

import java.io.IOException;

/** An index directory that is not a complete index this version reads: the job exits with status 3. */
public final class CorruptIndexException extends IOException {
  private static final long serialVersionUID = 1L;

  public CorruptIndexException(String message) {
    super(message);
  }

  public CorruptIndexException(String message, Throwable cause) {
    super(message, cause);
  }
}
