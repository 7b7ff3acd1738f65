package dev.magnet.it.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.spark.io.CheckpointStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;

/** Where a training run on the cluster stands, for the tests that kill a worker in a fit stage. */
final class FitProgress {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FitProgress() {}

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
