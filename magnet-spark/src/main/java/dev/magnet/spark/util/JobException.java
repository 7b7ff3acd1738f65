package dev.magnet.spark.util;

import java.io.PrintWriter;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A failure of a job with the exit status that says what kind ({@link ExitCodes}); the CLI prints
 * its message as one line on stderr and exits with the status. {@link #argument} and {@link #input}
 * turn the exceptions of argument checks and of reading data into such failures.
 *
 * <p>Whatever else escapes a job is mapped by {@link #status} and {@link #failureLine}
 * (docs/reliability.md, "Errors"): a Spark job whose task failed reading its input (a file gone,
 * cut short, unreadable, or a Parquet file that does not decode as its table's schema says) is bad
 * input, 3, described by the task's own message rather than Spark's "Job aborted due to stage
 * failure" preamble; a Java {@link Error} (out of memory above all) and any other exception are
 * 1, each as one line naming it. The stack trace is printed only with {@code --verbose}.
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

  /**
   * One line for an exception: its message, or its class when it has none. For a failed Spark
   * job, the message of the task's exception that failed it.
   */
  public static String describe(Throwable e) {
    Throwable task = taskFailure(e);
    if (task != null) {
      return (task.getMessage() == null || task.getMessage().isBlank() ? task.getClass().getName() + " in a Spark task"
          : describe(task));
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getSimpleName();
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /**
   * The line the CLI prints for a failure of {@code command} ("magnet train"): the message of a
   * {@link JobException}; for a Spark job that failed on its input, "cannot read the input:" and
   * the task's message; for an {@link OutOfMemoryError}, what ran out and what to do; else
   * "internal error:" with the class and message of the bug.
   */
  public static String failureLine(String command, Throwable e) {
    if (e instanceof JobException) {
      return command + ": " + describe(e);
    }
    if (badInput(e)) {
      return command + ": cannot read the input: " + describe(e);
    }
    OutOfMemoryError oom = find(e, OutOfMemoryError.class);
    if (oom != null) {
      return command + ": out of memory (" + oom.getMessage() + "): give the JVM that ran out more memory"
          + " (spark-submit --driver-memory, --executor-memory), or process less data at once";
    }
    Throwable task = taskFailure(e);
    Throwable named = task != null ? task : e;
    boolean said = named.getMessage() != null && !named.getMessage().isBlank();
    return command + ": internal error: " + named.getClass().getName() + (said ? ": " + describe(e) : "");
  }

  /**
   * The exit status of a failure: a {@link JobException}'s own; {@link ExitCodes#BAD_INPUT} for a
   * Spark job that failed on its input; else {@link ExitCodes#INTERNAL_ERROR} (an error none of the
   * others describes: a bug, or the JVM out of memory).
   */
  public static int status(Throwable e) {
    if (e instanceof JobException j) {
      return j.exitCode();
    }
    return badInput(e) ? ExitCodes.BAD_INPUT : ExitCodes.INTERNAL_ERROR;
  }

  /**
   * Whether {@code e} is a Spark job that failed reading its input: the failed task's exception, or
   * one of its causes, is a file not found, cut short or unreadable, a checksum or missing-block
   * error of HDFS, a Parquet decoding error, or Spark's "Parquet column cannot be converted" (a
   * file of another schema than the table's). Other I/O errors (a full disk, a lost shuffle) are not
   * the input's fault.
   */
  public static boolean badInput(Throwable e) {
    Throwable task = taskFailure(e);
    if (task == null) {
      return false;
    }
    for (Throwable t = task; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.io.FileNotFoundException || t instanceof java.io.EOFException
          || t instanceof java.nio.file.NoSuchFileException || t instanceof java.nio.file.AccessDeniedException
          || t instanceof org.apache.hadoop.fs.ChecksumException
          || t instanceof org.apache.hadoop.security.AccessControlException
          || t instanceof org.apache.parquet.ParquetRuntimeException
          || t instanceof org.apache.spark.sql.execution.datasources.SchemaColumnConvertNotSupportedException
          || t.getClass().getName().equals("org.apache.hadoop.hdfs.BlockMissingException")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The exception of the task that failed a Spark job ("Job aborted due to stage failure"): the
   * cause Spark gives the job's {@code SparkException}; null when {@code e} is no such failure.
   */
  private static Throwable taskFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.apache.spark.SparkException && t.getMessage() != null
          && t.getMessage().startsWith("Job aborted due to stage failure")) {
        return t.getCause();
      }
    }
    return null;
  }

  /** The first of {@code e} and its causes of type {@code type}, or null. */
  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /**
   * Runs a job in this JVM as the CLI runs its command: returns its exit status and, when it fails,
   * prints {@link #failureLine} to {@code err}. For runs inside a run (the experiments, the demo).
   */
  public static int run(String command, PrintWriter err, IntSupplier job) {
    try {
      return job.getAsInt();
    } catch (Exception e) { // SparkException is checked, and Scala does not declare it
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
