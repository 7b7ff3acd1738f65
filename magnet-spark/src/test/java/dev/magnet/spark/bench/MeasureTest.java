package dev.magnet.spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The ratio and table arithmetic of the bench's report. */
class MeasureTest {
  @Test
  void ratioIsMagnetOverThePeersMean() {
    Measure m = new Measure("training examples/s", List.of(1100.0, 1132.0), 412.0, 1);
    assertEquals(1116.0, m.peerMean(), 1e-9);
    assertEquals(412.0 / 1116.0, m.ratio(), 1e-12);
    assertEquals(List.of("training examples/s", "1,116.0 (1,100.0 / 1,132.0)", "412.0", "0.37×"), m.row());
  }

  @Test
  void oneOrNoPeerRun() {
    assertEquals(List.of("index refresh, s", "8.30", "16.50", "1.99×"),
        new Measure("index refresh, s", List.of(8.3), 16.5, 2).row());
    Measure alone = new Measure("embedding images/s", List.of(), 1881.0, 0);
    assertTrue(Double.isNaN(alone.ratio()));
    assertEquals(List.of("embedding images/s", "—", "1,881", "—"), alone.row());
    assertEquals("—", Measure.number(Double.NaN, 1), "a figure not measured (no peak RSS off Linux)");
  }

  @Test
  void markdownTable() {
    assertEquals("| a | b |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |\n",
        Measure.markdown(List.of("a", "b"), List.of(List.of("1", "2"), List.of("3", "4"))));
  }

  @Test
  void negativeDecimalsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Measure("x", List.of(), 1, -1));
    assertEquals("decimals must be >= 0; decimals=-1", e.getMessage());
  }
}
