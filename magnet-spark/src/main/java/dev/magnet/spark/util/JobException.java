package dev.magnet.spark.util;

import java.io.PrintWriter;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A failure of a job with the exit status that says what kind ({@link ExitCodes}); the CLI prints
 * its message as one line on stderr and exits with the status. {@link #argument} and {@link #input}
 * turn the exceptions of argument checks and of reading data into such failures.
 */
public final class JobException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public JobException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public JobException(int exitCode, String message) {
    this(exitCode, message, null);
  }

  public int exitCode() {
    return exitCode;
  }

  /** One line for an exception: its message, or its class when it has none. */
  public static String describe(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /**
   * The line the CLI prints for a failure of {@code command} ("magnet train"): the message of a
   * {@link JobException}, else "internal error:" with the class and message of the bug.
   */
  public static String failureLine(String command, Throwable e) {
    String prefix = e instanceof JobException ? "" : "internal error: " + e.getClass().getName() + ": ";
    return command + ": " + prefix + describe(e);
  }

  /** The exit status of a failure: a {@link JobException}'s own, else {@link ExitCodes#INTERNAL_ERROR}. */
  public static int status(Throwable e) {
    return e instanceof JobException j ? j.exitCode() : ExitCodes.INTERNAL_ERROR;
  }

  /**
   * Runs a job in this JVM as the CLI runs its command: returns its exit status and, when it fails,
   * prints {@link #failureLine} to {@code err}. For runs inside a run (the experiments, the demo).
   */
  public static int run(String command, PrintWriter err, IntSupplier job) {
    try {
      return job.getAsInt();
    } catch (RuntimeException e) {
      err.println(failureLine(command, e));
      err.flush();
      return status(e);
    }
  }

  /** Runs an argument check: {@link IllegalArgumentException} becomes exit status 2. */
  public static <T> T argument(Supplier<T> check) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, e.getMessage(), e);
    }
  }

  /** Something that reads input data. */
  @FunctionalInterface
  public interface Reading<T> {
    /** Throws Exception: Spark's AnalysisException is checked, and Scala does not declare it. */
    T read() throws Exception;
  }

  /** Runs a read: I/O errors, corrupt files and schema errors become exit status 3. */
  public static <T> T input(Reading<T> reading) {
    try {
      return reading.read();
    } catch (JobException e) {
      throw e;
    } catch (Exception e) {
      throw new JobException(ExitCodes.BAD_INPUT, JobException.describe(e), e);
    }
  }
}
