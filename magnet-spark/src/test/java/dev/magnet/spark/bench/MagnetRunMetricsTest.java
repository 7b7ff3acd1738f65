package dev.magnet.spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The figures the bench takes from metrics.json, with and without an epoch's averagingSeconds. */
class MagnetRunMetricsTest {
  private static JsonNode json(String text) throws Exception {
    return new ObjectMapper().readTree(text);
  }

  private static String epoch(int n, double fit, String extra, double knn1) {
    return "{\"epoch\": " + n + ", \"loss\": 0.8, \"batches\": 416, \"embedSeconds\": 10.0, \"indexSeconds\": 6.0,"
        + " \"planSeconds\": 0.05, \"materialiseSeconds\": 1.95, \"fitSeconds\": " + fit + ","
        + " \"examplesPerSecond\": 300.0" + extra + ", \"validation\": {\"knn1_accuracy\": " + knn1 + "}}";
  }

  private static MagnetRunMetrics metrics(String... epochs) throws Exception {
    return MagnetRunMetrics.of(json("{\"formatVersion\": 1, \"epochs\": [" + String.join(",", epochs) + "],"
        + " \"summary\": {\"train_examples\": 20000.0}}"), "metrics.json");
  }

  @Test
  void ratesAndPhases() throws Exception {
    MagnetRunMetrics m = metrics(epoch(1, 40.0, "", 0.80), epoch(2, 60.0, "", 0.86));
    assertEquals(2 * 416 * 48 / 100.0, m.fitExamplesPerSecond(48), 1e-9);
    assertEquals(16.0, m.indexRefreshSeconds(), 1e-9);
    assertEquals(2 * 20_000 / 20.0, m.embedImagesPerSecond(), 1e-9);
    MagnetRunMetrics.Epoch mean = m.meanEpoch();
    assertEquals(50.0, mean.fit(), 1e-9);
    assertEquals(68.0, mean.total(), 1e-9);
    assertEquals(OptionalDouble.empty(), mean.averaging(), "absent when metrics.json has no averagingSeconds");
  }

  @Test
  void averagingWhenTheTrainerWritesIt() throws Exception {
    MagnetRunMetrics m = metrics(epoch(1, 40.0, ", \"averagingSeconds\": 4.0", 0.8),
        epoch(2, 40.0, ", \"averagingSeconds\": 6.0", 0.8));
    assertEquals(OptionalDouble.of(5.0), m.meanEpoch().averaging());
    assertEquals(OptionalDouble.of(4.0), m.epochs().get(0).averaging());
    assertTrue(m.meanEpoch().rounds().isEmpty(), "no parts when metrics.json has none");
  }

  @Test
  void theRoundsPartsAreTheMeanOverEpochs() throws Exception {
    MagnetRunMetrics m = metrics(epoch(1, 40.0, ", \"averaging\": {\"rounds\": 20, \"round_s\": 3.0, \"broadcast_s\": 0.2}", 0.8),
        epoch(2, 40.0, ", \"averaging\": {\"rounds\": 20, \"round_s\": 5.0, \"broadcast_s\": 0.4}", 0.8));
    assertEquals(java.util.Map.of("rounds", 20.0, "round_s", 4.0, "broadcast_s", 0.30000000000000004),
        m.meanEpoch().rounds());
    assertEquals(3.0, m.epochs().get(0).rounds().get("round_s"));
  }

  /** Cumulative training seconds up to the first epoch at the target: 58 + 78. */
  @Test
  void firstEpochReachingATarget() throws Exception {
    MagnetRunMetrics m = metrics(epoch(1, 40.0, "", 0.80), epoch(2, 60.0, "", 0.86), epoch(3, 60.0, "", 0.87));
    MagnetRunMetrics.Reached r = m.firstReaching("knn1_accuracy", 0.85).orElseThrow();
    assertEquals(2, r.epoch());
    assertEquals(58.0 + 78.0, r.seconds(), 1e-9);
    assertEquals(0.86, r.value());
    assertTrue(m.firstReaching("knn1_accuracy", 0.9).isEmpty());
  }

  @Test
  void aFileWithoutTheFiguresIsAnError() throws Exception {
    IllegalArgumentException noCount = assertThrows(IllegalArgumentException.class, () -> MagnetRunMetrics.of(
        json("{\"epochs\": [" + epoch(1, 1.0, "", 0.5) + "], \"summary\": {}}"), "m.json"));
    assertEquals("m.json has no summary.train_examples", noCount.getMessage());
    IllegalArgumentException noEpochs = assertThrows(IllegalArgumentException.class, () -> MagnetRunMetrics.of(
        json("{\"epochs\": [], \"summary\": {\"train_examples\": 1}}"), "m.json"));
    assertEquals("a benchmark needs at least one epoch; epochs=0", noEpochs.getMessage());
  }
}
