package dev.magnet.spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The bench's derived rows, from figures given by hand. */
class BenchReportTest {
  @Test
  void fullSetTrainingRowIsMagnetsFitRateAgainstThePeersMean() {
    assertEquals(List.of("training examples/s over these runs (fit phase; peer: mean of its runs)", "3,500.0",
        "4,375.0", "1.25×"), BenchReport.fullSetTrainingRow(new double[] {3400, 3600}, 4375));
  }

  @Test
  void phaseTableWithAndWithoutAveraging() {
    MagnetRunMetrics.Epoch plain = new MagnetRunMetrics.Epoch(10, 1.0, 2.0, 0.0, 1.0, 6.0, OptionalDouble.empty(),
        Map.of());
    List<List<String>> rows = BenchReport.phaseRows(new MagnetRunMetrics(List.of(plain), 480));
    assertEquals(List.of(List.of("embed", "1.00", "10.0%"), List.of("index", "2.00", "20.0%"),
        List.of("plan", "0.00", "0.0%"), List.of("materialise", "1.00", "10.0%"), List.of("fit", "6.00", "60.0%"),
        List.of("epoch", "10.00", "100%")), rows);
    MagnetRunMetrics.Epoch averaged = new MagnetRunMetrics.Epoch(10, 1.0, 2.0, 0.0, 1.0, 6.0, OptionalDouble.of(1.5),
        Map.of());
    List<List<String>> withAveraging = BenchReport.phaseRows(new MagnetRunMetrics(List.of(averaged), 480));
    assertEquals(7, withAveraging.size());
    assertTrue(withAveraging.get(5).get(0).startsWith("of which averaging"), withAveraging.toString());
    assertEquals(List.of("1.50", "15.0%"), withAveraging.get(5).subList(1, 3));
    Map<String, Double> parts = new java.util.LinkedHashMap<>();
    parts.put("rounds", 20.0);
    parts.put("round_s", 1.4);
    parts.put("broadcast_s", 0.1);
    parts.put("wait_for_slowest_s", 0.3);
    MagnetRunMetrics.Epoch withRounds = new MagnetRunMetrics.Epoch(10, 1.0, 2.0, 0.0, 1.0, 6.0, OptionalDouble.of(1.5),
        Map.of(), parts);
    List<List<String>> roundRows = BenchReport.phaseRows(new MagnetRunMetrics(List.of(withRounds), 480));
    assertEquals(List.of("averaging rounds (20), wall", "1.40", "14.0%"), roundRows.get(6));
    assertEquals(List.of("round: broadcast of the parameters (driver)", "0.10", "1.0%"), roundRows.get(7));
    assertEquals(List.of("round: wait for the slowest worker (per task)", "0.30", "3.0%"), roundRows.get(8));
    assertEquals("epoch", roundRows.get(9).get(0));
    assertEquals(0.75, BenchReport.scalingEfficiency(400, 600, 2), 1e-12);
  }
}
