package dev.magnet.spark.util;

import dev.magnet.spark.cli.MagnetCli;

/**
 * The exit statuses of {@link MagnetCli}, for schedulers and retraining pipelines to branch on.
 * Every failure also prints one line on standard error saying what went wrong.
 */
public final class ExitCodes {
  /** The command did what it was asked. */
  public static final int SUCCESS = 0;
  /**
   * An error none of the others describes: a bug, or the JVM out of memory (the line on stderr
   * says which, and what to do about memory).
   */
  public static final int INTERNAL_ERROR = 1;
  /**
   * Bad arguments: unknown options, malformed or out-of-range values, inconsistent combinations,
   * and an existing output directory without {@code --overwrite} (the fix is a flag, not the data).
   */
  public static final int BAD_ARGUMENTS = 2;
  /** Bad input data: missing, truncated or corrupt files, a table of the wrong schema, an unreadable model. */
  public static final int BAD_INPUT = 3;
  /** Training (or saving its results) failed, or diverged (a non-finite loss or parameters). */
  public static final int TRAINING_FAILED = 4;
  /** A {@code --min-metric} gate was not met by the final metrics. */
  public static final int METRIC_GATE_FAILED = 5;

  private ExitCodes() {}
}
