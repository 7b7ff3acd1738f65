package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code magnet demo} end to end on a small generated set: every step it promises leaves its
 * output, the planted damaged files are the rejects, and a directory it did not make is refused.
 */
class DemoCommandTest {
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  static Path tmp;

  @Test
  void trainsEvaluatesEmbedsAndReportsIntoItsDirectory() throws IOException {
    Path dir = tmp.resolve("demo");
    CliRun run = CliRun.of("demo", dir.toString(), "--epochs", "1", "--per-subclass", "12");
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    for (String step : new String[] {"$ ./spark-submit train --data images:", "$ ./spark-submit evaluate ",
        "$ ./spark-submit embed "}) {
      assertTrue(run.out().contains(step), "the demo prints the command of each step: " + step + "\n" + run);
    }
    assertTrue(run.out().contains("--labels " + dir.resolve("data/sub-classes.csv")), run.out());
    assertTrue(Files.isRegularFile(dir.resolve("model/metadata.json")), run.toString());
    assertTrue(Files.isRegularFile(dir.resolve("model/report/index.html")), run.toString());
    assertTrue(Files.isRegularFile(dir.resolve("evaluation/report/index.html")), run.toString());

    JsonNode metrics = new ObjectMapper().readTree(dir.resolve("evaluation/metrics.json").toFile());
    assertTrue(metrics.toString().contains("fine_"), "hierarchy recovery is measured against the hidden sub-classes: " + metrics);

    // 5 classes x 3 sub-classes x 12 images, a sixth held out: 150 PNG files to train on, 30 to embed, plus 3
    // damaged ones in each folder.
    Dataset<Row> embeddings = session.read().parquet(dir.resolve("embeddings").toString());
    assertEquals(30, embeddings.count());
    assertEquals(30, embeddings.filter("label is not null").count(), "folders are named after the model's classes");
    Dataset<Row> rejects = session.read().parquet(dir.resolve("embeddings_rejects").toString());
    assertEquals(3, rejects.count());
    // Training read the PNG folders: the damaged files of both are in the model's rejects table.
    assertEquals(6, session.read().parquet(dir.resolve("model/rejects").toString()).count());
    JsonNode summary = new ObjectMapper().readTree(dir.resolve("model/metrics.json").toFile()).path("summary");
    assertEquals(150.0 + 3, summary.path("image_files").asDouble(), summary.toString());
    assertEquals(3.0, summary.path("rejected_files").asDouble(), summary.toString());
  }

  @Test
  void refusesADirectoryItDidNotMake() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("someone-elses"));
    Path file = Files.writeString(dir.resolve("thesis.tex"), "keep me");
    CliRun run = CliRun.of("demo", dir.toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), run.toString());
    assertTrue(run.err().contains("was not written by the demo"), run.toString());
    assertEquals("keep me", Files.readString(file));
    try (var entries = Files.list(dir)) {
      assertEquals(1, entries.count(), "nothing was added");
    }
  }
}
