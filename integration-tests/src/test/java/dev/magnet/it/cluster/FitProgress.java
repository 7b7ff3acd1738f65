package dev.magnet.it.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.it.Processes;
import dev.magnet.spark.io.CheckpointStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where a training run on the cluster stands, for the tests that kill a worker in a fit stage. */
final class FitProgress {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.time.Duration FIT_POLL = java.time.Duration.ofMillis(20);

  private FitProgress() {}

  /** A training run whose second worker was killed during a fit stage: the run, still going, and its application. */
  record KilledWorker(Submission train, String applicationId) {}

  /**
   * Starts {@code ./spark-submit train args} on {@code cluster} (its UI on a free port), waits
   * until epoch 1 is checkpointed into {@code store} and a fit stage of the training master named
   * {@code master} runs, and then kills the cluster's second worker and its executor outright.
   * Fails if the run ended before that.
   */
  static KilledWorker killAWorkerDuringAFit(StandaloneCluster cluster, Path logs, List<String> args,
      CheckpointStore store, String master) throws IOException {
    int uiPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      uiPort = socket.getLocalPort();
    }
    List<String> withUi = new ArrayList<>(args);
    withUi.addAll(List.of("--conf", "spark.ui.port=" + uiPort, "--conf", "spark.port.maxRetries=0"));
    Submission train = Submission.start(cluster, logs, "train", withUi);
    String api = "http://127.0.0.1:" + uiPort + "/api/v1/applications";
    // A fit stage of this small job lasts 0.1-0.2 s once the JVMs are warm: look every 20 ms (each look
    // is one REST call to the driver), where the cluster's other waits look every 200 ms and missed all
    // of them once on a quiet machine.
    Processes.await(() -> !train.process.isAlive() || epochOneDone(store) && fitting(api, master),
        "a fit stage of " + master + " after epoch 1 in " + api, FIT_POLL);
    if (!train.process.isAlive()) {
      throw new AssertionError("the job ended before the worker was killed: " + train);
    }
    String applicationId = JSON.readTree(new URL(api)).path(0).path("id").asText();
    StandaloneCluster.kill(cluster.workers().get(1));
    return new KilledWorker(train, applicationId);
  }

  /** Whether the run has checkpointed at least one epoch into {@code store}. */
  static boolean epochOneDone(CheckpointStore store) {
    try {
      return !store.epochs().isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether the driver's REST API ({@code api}, ending in /applications) shows an active stage of
   * the training master named {@code master} (DL4J names its fit stages after its class).
   */
  static boolean fitting(String api, String master) {
    try {
      JsonNode apps = JSON.readTree(new URL(api));
      String id = apps.path(0).path("id").asText();
      JsonNode stages = JSON.readTree(new URL(api + "/" + id + "/stages?status=active"));
      for (JsonNode stage : stages) {
        if (stage.path("name").asText().contains(master)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false; // the UI is not up yet, or the application just ended
    }
  }
}
