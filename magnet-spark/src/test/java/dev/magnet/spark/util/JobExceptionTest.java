package dev.magnet.spark.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How failures that escape a job become the CLI's status and line (docs/reliability.md, "Errors"). */
class JobExceptionTest {
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  Path tmp;

  /**
   * A Spark job whose task finds a file gone (deleted after the table was listed, as between a
   * trainer's load and its first pass) used to be "internal error: org.apache.spark.SparkException:
   * Job aborted due to stage failure: ...", status 1: it is bad input, with the task's message.
   */
  @Test
  void aSparkJobThatFailsOnAVanishedFileIsBadInput() throws IOException {
    String path = tmp.resolve("t.parquet").toString();
    session.range(100).repartition(2).write().parquet(path);
    Dataset<Row> table = session.read().parquet(path);
    try (Stream<Path> files = Files.list(Path.of(path))) {
      Files.delete(files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow());
    }
    Exception failure = assertThrows(Exception.class, () -> table.collectAsList());
    assertTrue(failure.getMessage().startsWith("Job aborted due to stage failure"), failure.getMessage());
    assertTrue(JobException.badInput(failure));
    assertEquals(ExitCodes.BAD_INPUT, JobException.status(failure));
    String line = JobException.failureLine("magnet x", failure);
    assertTrue(line.startsWith("magnet x: cannot read the input: "), line);
    assertTrue(line.contains("does not exist"), line);
    assertFalse(line.contains("Job aborted"), line);
    assertEquals(1, line.lines().count());
  }

  /** A task that fails for another reason is no input's fault: status 1, one line naming it. */
  @Test
  void aSparkJobThatFailsOtherwiseIsAnInternalErrorOnOneLine() {
    Exception failure = assertThrows(Exception.class, () -> session.range(10).toJavaRDD().map(r -> {
      throw new IllegalStateException("a bug in a task\nwith a second line");
    }).collect());
    assertFalse(JobException.badInput(failure));
    assertEquals(ExitCodes.INTERNAL_ERROR, JobException.status(failure));
    assertEquals("magnet x: internal error: java.lang.IllegalStateException: a bug in a task",
        JobException.failureLine("magnet x", failure));
  }

  @Test
  void errorsAreOneLine() {
    assertEquals(ExitCodes.INTERNAL_ERROR, JobException.status(new StackOverflowError()));
    assertEquals("magnet x: internal error: java.lang.StackOverflowError",
        JobException.failureLine("magnet x", new StackOverflowError()));
    assertEquals(List.of("magnet x: out of memory (Java heap space): give the JVM that ran out more memory"
        + " (spark-submit --driver-memory, --executor-memory), or process less data at once"),
        JobException.failureLine("magnet x", new RuntimeException(new OutOfMemoryError("Java heap space")))
            .lines().toList());
  }
}
