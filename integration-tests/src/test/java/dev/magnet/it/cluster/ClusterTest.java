package dev.magnet.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Magnet where its users run it: the repository's {@code ./spark-submit} (with {@code SPARK_HOME}
 * set, so the shaded job jar goes to Spark's own spark-submit, client mode) against a standalone
 * master and two one-core workers, each a separate JVM ({@link StandaloneCluster}).
 *
 * <ol>
 *   <li>train 3 epochs on synthetic images with a held-out set, evaluate the model and embed the
 *       data with it: exit 0, the metrics of a model that learnt, and the embeddings as Parquet;
 *   <li>the driver (the spark-submit process) killed once checkpoint 1 exists: every checkpoint
 *       left is complete and loads, and {@code --resume} continues after the last one to a model
 *       that loads;
 *   <li>a worker JVM and its executor killed while an epoch's fit stage runs (seen in the
 *       driver's REST API): the one-stage averaging gives up the stage it cannot run again, DL4J's
 *       master fits the chunk on the other worker, the job completes, and its final validation
 *       metrics are those of a model that learnt (three times run 1's examples, so that the
 *       kill lands in a fit stage).
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest extends ClusterSuite {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The job of every run: 120 grey 8x8 images in 3 classes of 2 hidden sub-classes, an MLP, 2 partitions. */
  /**
   * The job of every run. Averaging after every batch makes the fit stages most of each epoch, so
   * that the fault tests land in one: with the default (every 10), a faster averaging round (bulk
   * Kryo serialiser, direct task results) left each epoch one fit stage of 0.2-0.6 s, which the
   * test's polling missed.
   */
  private static final List<String> JOB = List.of("--data", "synthetic:classes=3,sub=2,per=20,size=8",
      "--validation", "synthetic:per=10", "--network", "mlp", "--embedding-dim", "4", "-K", "2", "-M", "3",
      "-D", "4", "--seed", "17", "--workers", "2", "--epochs", "3", "--averaging-frequency", "1");

  /**
   * Run 3's job: three times the examples, 30 batches and 15 averaging rounds an epoch in one
   * barrier stage (run 1 has 5), so that the kill lands inside it. The driver's REST API, which the
   * test polls, shows a stage as active from a little after it begins to a little after it ends;
   * with run 1's job a suite run on 2026-12-08 killed the worker once the stage was over, and the
   * chunk after it fell back to DL4J's master before it started, not during it.
   */
  private static final List<String> LONGER_FIT_JOB = JOB.stream()
      .map(a -> a.equals("synthetic:classes=3,sub=2,per=20,size=8") ? "synthetic:classes=3,sub=2,per=60,size=8" : a)
      .toList();

  private static List<String> job(String... more) {
    return args(JOB, more);
  }

  private static Map<String, Double> finalValidation(Path model) throws IOException {
    MetricsJson.Document metrics = MetricsJson.read(model.resolve(MetricsJson.FILE_NAME).toString(), new Configuration());
    return metrics.epochs().get(metrics.epochs().size() - 1).validation();
  }

  @Test
  @Order(1)
  void trainAndEvaluateOnTheCluster() throws Exception {
    Path model = tmp.resolve("model");
    Submission train = Submission.start(cluster, tmp.resolve("logs"), "train", job("--output", model.toString()));
    assertEquals(ExitCodes.SUCCESS, train.await(), train.toString());
    assertTrue(train.stdout().contains("epoch 3: loss"), train.toString());
    Map<String, Double> validation = finalValidation(model);
    assertTrue(validation.get("knn1_accuracy") >= 0.6, "held-out 1-NN accuracy " + validation);
    assertTrue(validation.get("cluster_accuracy") >= 0.6, "held-out cluster-rule accuracy " + validation);
    JsonNode master = JSON.readTree(new URL(cluster.masterUi() + "/json"));
    assertTrue(master.path("completedapps").toString().contains("magnet train"),
        "the master ran the job: " + master.path("completedapps"));

    Path json = tmp.resolve("evaluation.json");
    Submission evaluate = Submission.start(cluster, tmp.resolve("logs"), "evaluate", List.of("--model",
        model.toString(), "--data", "synthetic:classes=3,sub=2,per=20,size=8", "--json", json.toString()));
    assertEquals(ExitCodes.SUCCESS, evaluate.await(), evaluate.toString());
    Map<String, Double> evaluated = MetricsJson.read(json.toString(), new Configuration()).summary();
    assertTrue(evaluated.get("cluster_accuracy") >= 0.6, evaluated.toString());
    assertTrue(evaluated.get("precision_at_1") >= 0.6, "3 classes, chance is 1/3: " + evaluated);

    Path embeddings = tmp.resolve("embeddings");
    Submission embed = Submission.start(cluster, tmp.resolve("logs"), "embed", List.of("--model", model.toString(),
        "--input", "synthetic:classes=3,sub=2,per=20,size=8", "--output", embeddings.toString()));
    assertEquals(ExitCodes.SUCCESS, embed.await(), embed.toString());
    assertTrue(embed.stdout().contains("read      120 examples"), embed.toString());
    assertTrue(embed.stdout().contains("rejected  0"), embed.toString());
    try (Stream<Path> files = Files.list(embeddings)) {
      assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith(".parquet")), "Parquet files in " + embeddings);
    }
  }

  @Test
  @Order(2)
  void aKilledDriverResumesFromItsLastCompleteCheckpoint() throws Exception {
    Path model = tmp.resolve("resumed-model");
    String checkpoints = tmp.resolve("checkpoints").toString();
    CheckpointStore store = new CheckpointStore(checkpoints, new Configuration());
    Submission first = Submission.start(cluster, tmp.resolve("logs"), "train",
        job("--checkpoint-dir", checkpoints, "--output", model.toString()));
    StandaloneCluster.await(() -> {
      try {
        return !store.epochs().isEmpty() || !first.process.isAlive();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, "checkpoint 1 in " + checkpoints);
    assertTrue(first.process.isAlive(), "the driver was still training when killed: " + first);
    StandaloneCluster.kill(first.process);

    List<Integer> left = store.epochs();
    assertTrue(!left.isEmpty() && left.get(left.size() - 1) < 3, "complete checkpoints left: " + left);
    for (int epoch : left) {
      ModelArtifact checkpoint = HadoopModelDirectory.load(store.pathOf(epoch), new Configuration());
      assertEquals(List.of("class-0", "class-1", "class-2"), checkpoint.labelNames());
    }
    try (Stream<Path> entries = Files.list(Path.of(checkpoints))) {
      List<String> names = entries.map(p -> p.getFileName().toString()).toList();
      assertTrue(names.stream().allMatch(n -> n.matches("epoch-\\d{4}") || n.startsWith(".epoch-")),
          "only complete checkpoints are visible; staging directories are hidden: " + names);
    }

    Submission resumed = Submission.start(cluster, tmp.resolve("logs"), "train",
        job("--checkpoint-dir", checkpoints, "--resume", "--output", model.toString(), "--overwrite"));
    assertEquals(ExitCodes.SUCCESS, resumed.await(), resumed.toString());
    MetricsJson.Document metrics = MetricsJson.read(model.resolve(MetricsJson.FILE_NAME).toString(), new Configuration());
    int lastComplete = left.get(left.size() - 1);
    assertEquals(lastComplete + 1.0, metrics.summary().get("first_epoch_run"), metrics.summary().toString());
    assertEquals(3, metrics.epochs().size());
    ModelArtifact trained = HadoopModelDirectory.load(model.toString(), new Configuration());
    assertEquals(3, trained.provenance().epochs());
  }

  @Test
  @Order(3)
  void aWorkerKilledDuringTheFitStageLeavesTheJobToTheOther() throws Exception {
    Path model = tmp.resolve("survivor-model");
    String checkpoints = tmp.resolve("survivor-checkpoints").toString();
    CheckpointStore store = new CheckpointStore(checkpoints, new Configuration());
    // After epoch 1, the first fit stage that runs: the default averaging's one barrier stage a chunk.
    Submission train = FitProgress.killAWorkerDuringAFit(cluster, tmp.resolve("logs"),
        args(LONGER_FIT_JOB, "--checkpoint-dir", checkpoints, "--output", model.toString()), store,
        "BarrierAveraging").train();

    assertEquals(ExitCodes.SUCCESS, train.await(), train.toString());
    // The stage cannot run again without its second slot: the chunk is fitted by DL4J's master on the survivor.
    assertTrue(train.stderr().contains("fitting the chunk again with DL4J's master"), train.toString());
    Map<String, Double> survived = finalValidation(model);
    for (String metric : List.of("knn1_accuracy", "cluster_accuracy")) {
      assertTrue(survived.get(metric) >= 0.6, metric + " with a worker killed (3 classes, chance is 1/3): " + survived);
    }
    JsonNode master = JSON.readTree(new URL(cluster.masterUi() + "/json"));
    assertEquals(1, master.path("aliveworkers").asInt(), "one worker was lost: " + master);
  }
}
