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
import java.net.URL;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code train --training-master sharing} (DL4J's gradient sharing over Aeron UDP) on a standalone
 * master and two one-core workers, each a separate JVM ({@link StandaloneCluster}): the driver
 * and the two executors form the sharing mesh on this host.
 *
 * <ol>
 *   <li>a sharing run completes, with the held-out metrics of a model that learnt;
 *   <li>a worker JVM and its executor killed while a fit stage of epoch 2 or later runs: the run
 *       either completes on the other worker, or fails with the training-failed status and a
 *       message, leaving complete checkpoints that {@code --resume} continues to a model.
 * </ol>
 * After each, no Aeron directory of the test's applications is left in shared memory, the killed
 * executor's included ({@link AeronDirectories}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharingClusterTest extends ClusterSuite {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A faulted run gets this long before it counts as hung; the unfaulted one takes about a minute. */
  private static final long FAULTED_LIMIT_MINUTES = 8;
  /**
   * 600 training examples in batches of 12: 50 batches, one fit stage, per epoch, long enough for
   * the fault test's polling to land in one.
   */
  private static final List<String> JOB = List.of("--data", "synthetic:classes=3,sub=2,per=100,size=8",
      "--validation", "synthetic:per=20", "--network", "mlp", "--embedding-dim", "4", "-K", "2", "-M", "3",
      "-D", "4", "--seed", "17", "--workers", "2", "--epochs", "3", "--training-master", "sharing");


  private static List<String> job(String... more) {
    return args(JOB, more);
  }

  private static MetricsJson.Document metrics(Path model) throws IOException {
    return MetricsJson.read(model.resolve(MetricsJson.FILE_NAME).toString(), new Configuration());
  }

  /** The ids of the applications the cluster's master has seen, running or ended. */
  private static Set<String> applications() throws IOException {
    JsonNode master = JSON.readTree(new URL(cluster.masterUi() + "/json"));
    Set<String> ids = new HashSet<>();
    for (String list : List.of("activeapps", "completedapps")) {
      master.path(list).forEach(app -> ids.add(app.path("id").asText()));
    }
    return ids;
  }

  private static Set<String> since(Set<String> before) throws IOException {
    Set<String> added = new HashSet<>(applications());
    added.removeAll(before);
    return added;
  }

  @Test
  @Order(1)
  void sharingTrainsOnTwoExecutors() throws Exception {
    Set<String> before = applications();
    Path model = tmp.resolve("model");
    Submission train = Submission.start(cluster, tmp.resolve("logs"), "train", job("--output", model.toString()));
    assertEquals(ExitCodes.SUCCESS, train.await(), train.toString());
    assertTrue(train.stdout().contains("epoch 3: loss"), train.toString());
    MetricsJson.Document metrics = metrics(model);
    Map<String, Double> last = metrics.epochs().get(2).validation();
    // 3 classes: chance is 1/3.
    assertTrue(last.get("knn1_accuracy") >= 0.6, "held-out 1-NN accuracy " + last);
    assertTrue(metrics.epochs().get(2).loss() < metrics.epochs().get(0).loss(), "loss falls: " + metrics.epochs());
    JsonNode master = JSON.readTree(new URL(cluster.masterUi() + "/json"));
    assertEquals(2, master.path("aliveworkers").asInt(), "both workers took part: " + master);
    Set<String> runs = since(before);
    assertEquals(1, runs.size(), "one application: " + runs);
    AeronDirectories.assertNoneLeft(runs);
  }

  @Test
  @Order(2)
  void aWorkerKilledDuringASharingFitFinishesOrFailsResumably() throws Exception {
    Set<String> before = applications();
    Path model = tmp.resolve("survivor-model");
    String checkpoints = tmp.resolve("survivor-checkpoints").toString();
    CheckpointStore store = new CheckpointStore(checkpoints, new Configuration());
    FitProgress.KilledWorker killed = FitProgress.killAWorkerDuringAFit(cluster, tmp.resolve("logs"),
        job("--checkpoint-dir", checkpoints, "--output", model.toString()), store, "SharedTrainingMaster");
    Submission train = killed.train();
    // The driver's and both executors' media drivers are named for the application, the killed one's included.
    List<Path> live = AeronDirectories.of(killed.applicationId());
    assertTrue(AeronDirectories.processes(live).size() >= 2, "the application's Aeron directories: " + live);

    int status = train.await(FAULTED_LIMIT_MINUTES);
    // Which of the two outcomes this run had, for the build log.
    System.out.println("sharing run with a worker killed: exit status " + status + "\n" + train);
    assertTrue(train.stderr().contains("Lost executor"), "the driver saw the executor go: " + train);
    if (status == ExitCodes.SUCCESS) {
      assertEquals(3, metrics(model).epochs().size(), train.toString());
      AeronDirectories.assertNoneLeft(since(before));
      return;
    }
    assertEquals(ExitCodes.TRAINING_FAILED, status, "finished, or failed as training: " + train);
    assertTrue(train.stderr().contains("gradient sharing failed in epoch") && train.stderr().contains("--resume"),
        "the message says what failed and how to continue: " + train);
    List<Integer> left = store.epochs();
    assertTrue(!left.isEmpty(), "complete checkpoints left: " + left);
    Submission resumed = Submission.start(cluster, tmp.resolve("logs"), "train", job("--checkpoint-dir", checkpoints,
        "--resume", "--output", model.toString(), "--overwrite"));
    assertEquals(ExitCodes.SUCCESS, resumed.await(FAULTED_LIMIT_MINUTES), resumed.toString());
    ModelArtifact trained = HadoopModelDirectory.load(model.toString(), new Configuration());
    assertEquals(3, trained.provenance().epochs());
    AeronDirectories.assertNoneLeft(since(before));
  }
}
