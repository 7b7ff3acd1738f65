package dev.magnet.spark.cli;

import static dev.magnet.spark.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.core.model.OutputMarker;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.experiment.ExperimentRunner;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code magnet experiment}: its option errors (rule and value, before any Spark work), and one
 * small classification experiment end to end on generated 28x28 images written as IDX files.
 */
class ExperimentCommandTest {
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  static Path tmp;

  private static ExperimentData data;

  @BeforeAll
  static void start() throws IOException {
    data = ExperimentData.write(tmp);
  }

  @Test
  void badOptionsAreRefusedNamingTheRuleAndTheValue() {
    assertRefused("'frobnicate' is not one of classification, hierarchy, iterations, ablation, pretrained, all",
        "experiment", "frobnicate");
    assertRefused("--target-error must be in (0, 1); target-error=1.5", "experiment", "classification",
        "--target-error", "1.5");
    assertRefused("--epochs must be at least 1; epochs=0", "experiment", "hierarchy", "--epochs", "0");
    assertRefused("--limit must be positive; limit=0", "experiment", "classification", "--limit", "0");
    assertRefused("--ablation-refresh must be at least 1 batch; ablation-refresh=[250, 0]", "experiment", "ablation",
        "--ablation-refresh", "250,0");
    assertRefused("--seeds must be in [1, 100]; seeds=0", "experiment", "classification", "--seeds", "0");
    assertRefused("name an experiment (classification, hierarchy, iterations, ablation, pretrained, all) or 'tune'",
        "experiment");
    assertRefused("--tuned file not found: no/such.args", "experiment", "classification", "--tuned", "no/such.args");
    assertRefused("--train-args must not set --loss: the experiment sets it for every run; train-args=--workers 1"
        + " --loss softmax", "experiment", "classification", "--train-args", "--workers 1 --loss softmax");
    assertRefused("--train-args must not set -K in the ablation, which varies it; train-args=-K3", "experiment",
        "all", "--train-args=-K3");
    assertRefused("--validation must not be synthetic", "experiment", "classification", "--data", "synthetic",
        "--validation", "synthetic:per=4");
  }

  @Test
  void anExistingOutputOrABadTrainOptionIsRefusedBeforeAnyTraining() throws IOException {
    Path existing = Files.createDirectories(tmp.resolve("existing"));
    assertRefused("output " + existing + " already exists; pass --overwrite", "experiment", "classification",
        "--data", data.train(), "--validation", data.test(), "--output", existing.toString());
    Path fresh = tmp.resolve("fresh");
    assertRefused("a run's train options are invalid: Unknown option: '--no-such-option'", "experiment",
        "iterations", "--data", data.train(), "--validation", data.test(), "--output", fresh.toString(),
        "--train-args", "--no-such-option");
    assertFalse(Files.exists(fresh.resolve("magnet")), "nothing was trained");
  }

  /**
   * {@code experiment --overwrite} used to write into any directory, replacing its files of the
   * experiment's names (table.md, results.json, commands.sh, the runs' folders). Like every other
   * --overwrite it now takes only a directory Magnet wrote (or an empty one), before any training.
   */
  @Test
  void anOverwriteOfADirectoryMagnetDidNotWriteIsRefusedAndKept() throws IOException {
    Path mine = Files.createDirectories(tmp.resolve("mine"));
    Files.writeString(mine.resolve("table.md"), "my table");
    assertRefused("output " + mine + " exists and was not written by Magnet (it has no _MAGNET_OUTPUT file);"
        + " --overwrite replaces only Magnet's outputs", "experiment", "classification", "--data", data.train(),
        "--validation", data.test(), "--output", mine.toString(), "--overwrite");
    assertRefused("output " + mine + " exists and was not written by Magnet", "experiment", "classification", "--data",
        data.train(), "--validation", data.test(), "--output", mine.toString(), "--resume");
    assertEquals("my table", Files.readString(mine.resolve("table.md")));
    try (java.util.stream.Stream<Path> files = Files.list(mine)) {
      assertEquals(List.of("table.md"), files.map(p -> p.getFileName().toString()).toList(), "nothing written");
    }
  }

  @Test
  void iterationsPlotsTheErrorCurvesAndNamesTheLowestErrorBothReach() throws IOException {
    Path dir = tmp.resolve("iterations");
    CliRun run = CliRun.of("experiment", "iterations", "--data", data.train(), "--validation", data.test(),
        "--epochs", "2", "--train-args", "--no-report", "--output", dir.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().contains("--limit " + dev.magnet.spark.experiment.Experiment.ITERATIONS_LIMIT),
        "the iterations experiment's default limit is in its commands:\n" + run);
    assertFalse(run.out().contains("$ ./spark-submit evaluate"), "the curve needs only training's metrics");
    JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    JsonNode runs = results.get("runs");
    assertEquals(2, runs.size());
    double common = results.get("commonError").get("42").asDouble();
    for (JsonNode r : runs) {
      assertEquals(List.of(5L, 10L), List.of(r.get("epochs").get(0).get("iterations").asLong(),
          r.get("epochs").get(1).get("iterations").asLong()), r.toString());
      double lowest = r.get("row").get("lowest_error").asDouble();
      assertTrue(lowest <= common + 1e-12, "every loss reaches the common error: " + r);
      assertTrue(r.get("row").get("iterations_to_common_error").asLong() > 0, r.toString());
    }
    assertTrue(Files.size(dir.resolve("report/iterations.png")) > 0);
    assertTrue(Files.readString(dir.resolve("report/index.html")).contains("iterations.png"));
  }

  /**
   * Two seeds of the classification experiment, interrupted at the fifth of six runs (its model
   * directory is one Magnet did not write, which train refuses to replace), then resumed: the four
   * finished runs are taken over with their figures, the last two run, and the table shows means
   * with intervals, paired differences and the claims.
   */
  @Test
  void aMultiSeedClassificationInterruptedThenResumedTrainsEachRunOnce() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("classification"));
    // an earlier experiment's output (marked), in which a run's directory is someone else's
    Files.write(dir.resolve(OutputMarker.FILE_NAME), OutputMarker.content("magnet experiment"));
    Path blocker = Files.createDirectories(dir.resolve("softmax/seed-43"));
    Files.writeString(blocker.resolve("not-magnets.txt"), "someone else's");
    String[] args = {"experiment", "classification", "--data", data.train(), "--validation", data.test(),
        "--epochs", "1", "--seeds", "2", "--target-error", "0.99", "--train-args", "--no-report", "--output",
        dir.toString(), "--overwrite"};
    CliRun run = CliRun.of(args);
    assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), "the fifth run's train refuses its output:\n" + run);
    for (String loss : List.of("magnet", "softmax", "triplet")) {
      assertTrue(run.out().contains("$ ./spark-submit train --data " + data.train() + " --validation " + data.test()
          + " --network fmnist-cnn --loss " + loss + " --epochs 1 --seed 42 --output " + dir + "/" + loss
          + "/seed-42 --no-report --overwrite"), "each run's command is printed:\n" + run);
      assertTrue(run.out().contains("$ ./spark-submit evaluate --model " + dir + "/" + loss + "/seed-42"),
          run.toString());
    }
    assertTrue(Files.exists(dir.resolve("_MAGNET_OUTPUT")), "the output is marked as Magnet's");
    JsonNode partial = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertFalse(partial.get("complete").asBoolean());
    assertTrue(partial.get("failed").asText().startsWith("run softmax/seed-43 failed"), partial.toString());
    assertEquals(List.of("magnet/seed-42", "softmax/seed-42", "triplet/seed-42", "magnet/seed-43"), ids(partial));
    assertEquals(List.of(42L, 43L), List.of(partial.get("seeds").get(0).asLong(), partial.get("seeds").get(1).asLong()));

    Files.delete(blocker.resolve("not-magnets.txt"));
    Files.delete(blocker);
    String[] resumeArgs = java.util.Arrays.copyOf(args, args.length + 1);
    resumeArgs[args.length] = "--resume";
    CliRun resumed = CliRun.of(resumeArgs);
    assertEquals(ExitCodes.SUCCESS, resumed.status(), resumed.toString());
    for (String id : List.of("magnet/seed-42", "softmax/seed-42", "triplet/seed-42", "magnet/seed-43")) {
      assertTrue(resumed.out().contains("= " + id + ": taken over from " + dir + "/results.json"), resumed.toString());
    }
    assertEquals(2, resumed.out().split("\\$ ./spark-submit train ", -1).length - 1, "only the two runs left train:\n"
        + resumed);
    JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertTrue(results.get("complete").asBoolean(), results.toString());
    assertEquals(List.of("magnet/seed-42", "softmax/seed-42", "triplet/seed-42", "magnet/seed-43", "softmax/seed-43",
        "triplet/seed-43"), ids(results));
    for (int i = 0; i < 4; i++) {
      assertEquals(partial.get("runs").get(i).get("row"), results.get("runs").get(i).get("row"),
          "a taken-over run keeps its figures and times");
    }
    JsonNode runs = results.get("runs");
    for (JsonNode r : runs) {
      JsonNode row = r.get("row");
      for (String key : List.of("test_error", "knn1_error", "recall_at_1", "recall_at_2", "recall_at_4",
          "recall_at_8", "map_at_r", "nmi")) {
        double v = row.get(key).asDouble(-1);
        assertTrue(v >= 0 && v <= 1, key + "=" + v + " in " + r);
      }
      // 240 examples in batches of 48: 5 iterations per epoch; an error of 0.99 is reached after the first.
      assertEquals(5, row.get("iterations_to_target").asLong(), r.toString());
      assertEquals(r.get("loss").asText().equals("softmax"), r.get("evaluation").has("argmax_accuracy"),
          "only softmax has its own argmax: " + r.get("evaluation"));
    }
    assertEquals(1 - runs.get(1).get("evaluation").get("argmax_accuracy").asDouble(),
        runs.get(1).get("row").get("test_error").asDouble(), 1e-12, "softmax is scored by its argmax");
    assertEquals(1 - runs.get(0).get("evaluation").get("cluster_accuracy").asDouble(),
        runs.get(0).get("row").get("test_error").asDouble(), 1e-12, "Magnet by the cluster rule");

    // The summary is the mean of the two seeds' values, with their interval.
    JsonNode magnet = results.get("summary").get("magnet").get("test_error");
    double a = runs.get(0).get("row").get("test_error").asDouble();
    double b = runs.get(3).get("row").get("test_error").asDouble();
    assertEquals((a + b) / 2, magnet.get("mean").asDouble(), 1e-12);
    assertEquals(12.7062 * Math.abs(a - b) / 2, magnet.get("halfWidth").asDouble(), 1e-4 * Math.max(1e-3, Math.abs(a - b)),
        "t(0.975, 1) s / sqrt(2) with s = |a - b| / sqrt(2)");
    assertEquals(2, results.get("differences").size(), "magnet against softmax and triplet");
    assertEquals(4, results.get("claims").size());

    String table = Files.readString(dir.resolve(ExperimentRunner.TABLE));
    assertTrue(resumed.out().contains(table), "the table is printed too");
    assertEquals(3 + 2, table.lines().takeWhile(l -> l.startsWith("|")).count(), "one row per loss:\n" + table);
    assertTrue(table.contains(" ± "), table);
    assertTrue(table.contains("Paired differences"), table);
    assertTrue(table.contains("| Magnet beats softmax on classification"), table);
    String script = Files.readString(dir.resolve(ExperimentRunner.SCRIPT));
    assertEquals(6, script.lines().filter(l -> l.startsWith("./spark-submit train")).count(), script);
  }

  /**
   * The pretrained experiment on the generated data: softmax pre-trained on fine classes 1 and 3,
   * then each loss on the coarse labels of classes 0, 2, 4, 5 (three coarse classes) from scratch
   * and from that body; the data files are written first and every command reads them.
   */
  @Test
  void thePretrainedExperimentWritesItsDataAndStartsEachLossFromThePretrainedBody() throws IOException {
    Path map = Files.writeString(tmp.resolve("map.txt"), "0 0\n1 0\n2 1\n3 1\n4 2\n5 2\n");
    Path dir = tmp.resolve("pretrained");
    CliRun run = CliRun.of("experiment", "pretrained", "--data", data.train(), "--validation", data.test(), "--coarse",
        map.toString(), "--pretrain-classes", "1,3", "--epochs", "1", "--train-args", "--no-report", "--output",
        dir.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().contains("pre-training data: classes [1, 3]"), run.toString());
    assertTrue(run.out().contains("task: classes [0, 2, 4, 5] in 3 coarse classes"), run.toString());
    assertTrue(run.out().contains("network body pre-trained by " + dir + "/pretrain/seed-42 (SOFTMAX loss on 2"
        + " classes)"), run.toString());
    String taskMap = Files.readString(dir.resolve("data/task-coarse.txt"));
    assertEquals(List.of("0 0", "1 1", "2 2", "3 2"), taskMap.lines().filter(l -> !l.startsWith("#"))
        .map(l -> l.substring(0, l.indexOf('#')).trim()).toList(), taskMap);
    JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
    assertEquals(List.of("pretrain/seed-42", "magnet/seed-42", "softmax/seed-42", "triplet/seed-42",
        "magnet-pretrained/seed-42", "softmax-pretrained/seed-42", "triplet-pretrained/seed-42"), ids(results));
    assertEquals(0, results.get("runs").get(0).get("evaluation").size(), "the pre-training run is not scored");
    for (int i = 1; i < 7; i++) {
      double error = results.get("runs").get(i).get("row").get("fine_knn1_error").asDouble(-1);
      assertTrue(error >= 0 && error <= 1, results.get("runs").get(i).toString());
    }
    String table = Files.readString(dir.resolve(ExperimentRunner.TABLE));
    assertEquals(6 + 2, table.lines().takeWhile(l -> l.startsWith("|")).count(), table);
    assertTrue(table.contains("| magnet (pre-trained) |"), table);
    assertTrue(Files.readString(dir.resolve(ExperimentRunner.SCRIPT)).contains("--pretrained " + dir
        + "/pretrain/seed-42"));
  }

  private static List<String> ids(JsonNode results) {
    List<String> ids = new java.util.ArrayList<>();
    results.get("runs").forEach(r -> ids.add(r.get("id").asText()));
    return ids;
  }
}
