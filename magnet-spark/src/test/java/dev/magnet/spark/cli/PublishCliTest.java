package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --publish-to}: versions, the pointer, the gates, reruns of a run id, and the
 * resume of a run id that died, through the CLI on tiny synthetic vectors (one or two epochs).
 */
class PublishCliTest {
  private static final String DATA = "synthetic:classes=3,sub=2,per=20,dim=8";

  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  Path tmp;

  private static CliRun train(String... more) {
    String[] args = {"train", "--data", DATA, "--validation", "synthetic:per=5", "-K", "2", "-M", "3",
        "-D", "4", "--embedding-dim", "4", "--no-report"};
    String[] epochs = List.of(more).contains("--epochs") ? new String[0] : new String[] {"--epochs", "1"};
    return CliRun.of(Stream.of(Stream.of(args), Stream.of(epochs), Stream.of(more)).flatMap(s -> s)
        .toArray(String[]::new));
  }

  private static String latest(Path root) throws IOException {
    return Files.readString(root.resolve(PublishDirectory.LATEST)).strip();
  }

  @Test
  void publishesVersionsBehindTheGatesAndNoOpsOnARerun() throws IOException {
    Path root = tmp.resolve("published");
    CliRun first = train("--publish-to", root.toString(), "--run-id", "day-1", "--no-worse-than", "latest:0.5");
    assertEquals(ExitCodes.SUCCESS, first.status(), first.toString());
    assertTrue(first.out().contains("latest: v1"), first.toString());
    assertEquals("v1", latest(root));
    for (String file : List.of("metadata.json", MetricsJson.FILE_NAME, PublishDirectory.METADATA)) {
      assertTrue(Files.exists(root.resolve("v1").resolve(file)), file);
    }
    String record = Files.readString(root.resolve("v1").resolve(PublishDirectory.METADATA));
    assertTrue(record.contains("\"validation\" : \"synthetic:per=5 held out of " + DATA + "\""), record);
    assertTrue(record.contains("\"metric\" : \"knn1_accuracy\""), record);

    CliRun rerun = train("--publish-to", root.toString(), "--run-id", "day-1");
    assertEquals(ExitCodes.SUCCESS, rerun.status(), rerun.toString());
    assertTrue(rerun.out().contains("run day-1 already published v1 in file:" + root + "; latest: v1; nothing to do"),
        rerun.toString());
    assertFalse(rerun.out().contains("epoch"), "a rerun does not train: " + rerun);

    CliRun gated = train("--publish-to", root.toString(), "--run-id", "day-2", "--min-metric", "knn1_accuracy=1.5");
    assertEquals(ExitCodes.METRIC_GATE_FAILED, gated.status(), gated.toString());
    assertTrue(gated.err().contains("metric gate failed, v2 not promoted: knn1_accuracy="), gated.toString());
    assertTrue(gated.out().contains("latest stays v1"), gated.toString());
    assertEquals("v1", latest(root));
    assertTrue(Files.exists(root.resolve("v2").resolve("metadata.json")), "a refused version is kept for inspection");
    assertEquals(new PublishDirectory(root.toString(), new Configuration(), m -> {}).latestPath().orElseThrow(),
        PublishDirectory.resolve(root.toString(), new Configuration()));

    CliRun gatedAgain = train("--publish-to", root.toString(), "--run-id", "day-2");
    assertEquals(ExitCodes.METRIC_GATE_FAILED, gatedAgain.status(), gatedAgain.toString());
    assertTrue(gatedAgain.out().contains("run day-2 already published v2"), gatedAgain.toString());
  }

  /**
   * Day 2 continues from the latest version, with a class day 1 did not have, and publishes v2;
   * {@code embed --model DIR/latest} then embeds with v2 and records it.
   */
  @Test
  void theNextDayContinuesFromLatestWithANewClassAndEmbedUsesIt() throws IOException {
    Path root = tmp.resolve("published");
    assertEquals(ExitCodes.SUCCESS, train("--publish-to", root.toString(), "--run-id", "day-1").status());
    String fourClasses = "synthetic:classes=4,sub=2,per=20,dim=8";
    CliRun next = CliRun.of("train", "--data", fourClasses, "--validation", "synthetic:per=5", "--epochs", "1", "-K",
        "2", "-M", "3", "-D", "4", "--no-report", "--init-from", root.toString(), "--publish-to", root.toString(),
        "--run-id", "day-2");
    assertEquals(ExitCodes.SUCCESS, next.status(), next.toString());
    assertTrue(next.out().contains("initialised from file:" + root.resolve("v1") + "; new classes (fresh clusters): [class-3]"),
        next.toString());
    assertEquals("v2", latest(root));
    CliRun conflicting = CliRun.of("train", "--data", fourClasses, "--init-from", root.toString(), "--embedding-dim", "8",
        "--output", tmp.resolve("x").toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, conflicting.status(), conflicting.toString());
    assertTrue(conflicting.err().contains("come from the --init-from model"), conflicting.toString());

    String output = tmp.resolve("embeddings").toString();
    CliRun embedded = CliRun.of("embed", "--model", root.resolve("latest").toString(), "--input", fourClasses,
        "--output", output);
    assertEquals(ExitCodes.SUCCESS, embedded.status(), embedded.toString());
    List<org.apache.spark.sql.Row> models = session.read().parquet(output).select("model").distinct().collectAsList();
    assertEquals(List.of("file:" + root.resolve("v2")), models.stream().map(r -> r.getString(0)).toList());
  }

  @Test
  void comparingWithALatestMeasuredOnOtherDataIsRefusedBeforeTraining() throws IOException {
    Path root = tmp.resolve("published");
    assertEquals(ExitCodes.SUCCESS, train("--publish-to", root.toString(), "--run-id", "a").status());
    CliRun other = CliRun.of("train", "--data", DATA, "--validation", "synthetic:per=6", "--epochs", "1", "-K", "2",
        "-M", "3", "-D", "4", "--publish-to", root.toString(), "--run-id", "b", "--no-worse-than", "latest");
    assertEquals(ExitCodes.BAD_ARGUMENTS, other.status(), other.toString());
    assertEquals("magnet train: --no-worse-than cannot compare with latest v1: it was measured with knn1_accuracy on"
        + " validation 'synthetic:per=5 held out of " + DATA + "', this run with knn1_accuracy on validation"
        + " 'synthetic:per=6 held out of " + DATA + "'; measure on the same validation data with the same metric, or"
        + " publish to another directory", other.err().strip());
    assertEquals(List.of("v1"), versions(root));
  }

  /** A run id whose earlier attempt died after epoch 1 resumes from its checkpoint and trains only epoch 2. */
  @Test
  void aRunIdThatDiedResumesFromItsCheckpoints() throws IOException {
    Path root = tmp.resolve("published");
    Path checkpoints = root.resolve(PublishDirectory.RUNS).resolve("day-7");
    // the attempt that died: it finished epoch 1 of 2 (same parameters, one epoch, its checkpoint kept)
    CliRun died = train("--output", tmp.resolve("died").toString(), "--checkpoint-dir", checkpoints.toString());
    assertEquals(ExitCodes.SUCCESS, died.status(), died.toString());
    assertTrue(Files.exists(checkpoints.resolve("epoch-0001")));

    CliRun resumed = train("--publish-to", root.toString(), "--run-id", "day-7", "--epochs", "2");
    assertEquals(ExitCodes.SUCCESS, resumed.status(), resumed.toString());
    MetricsJson.Document metrics = MetricsJson.read(root.resolve("v1").resolve(MetricsJson.FILE_NAME).toString(),
        new Configuration());
    assertEquals(2.0, metrics.summary().get("first_epoch_run"), metrics.toString());
    assertEquals(2, metrics.epochs().size());
    assertFalse(Files.exists(checkpoints), "a published run's checkpoints are deleted");
  }

  @Test
  void outputAndPublishToAreExclusiveAndTheComparisonIsParsed() {
    CliRun both = train("--output", tmp.resolve("m").toString(), "--publish-to", tmp.resolve("p").toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, both.status(), both.toString());
    assertTrue(both.err().contains("pass exactly one of --output and --publish-to"), both.toString());
    CliRun neither = train();
    assertEquals(ExitCodes.BAD_ARGUMENTS, neither.status(), neither.toString());
    CliRun bad = train("--publish-to", tmp.resolve("p").toString(), "--no-worse-than", "best:0.1");
    assertEquals(ExitCodes.BAD_ARGUMENTS, bad.status(), bad.toString());
    assertTrue(bad.err().contains("--no-worse-than must be latest or latest:TOLERANCE; found 'best:0.1'"), bad.toString());
    CliRun badId = train("--publish-to", tmp.resolve("p").toString(), "--run-id", "a/b");
    assertEquals(ExitCodes.BAD_ARGUMENTS, badId.status(), badId.toString());
    assertTrue(badId.err().contains("run id=a/b"), badId.toString());
    CliRun badMetric = train("--publish-to", tmp.resolve("p").toString(), "--compare-metric", "speed");
    assertEquals(ExitCodes.BAD_ARGUMENTS, badMetric.status(), badMetric.toString());
    assertTrue(badMetric.err().contains("--compare-metric name must be one of"), badMetric.toString());
    assertFalse(Files.exists(tmp.resolve("p")));
  }

  private static List<String> versions(Path root) throws IOException {
    try (Stream<Path> files = Files.list(root)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("v\\d+")).sorted().toList();
    }
  }
}
