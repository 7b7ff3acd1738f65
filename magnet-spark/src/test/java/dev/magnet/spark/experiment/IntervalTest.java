package dev.magnet.spark.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The interval arithmetic against values computed by hand, with the t quantiles of a printed
 * table: t(0.975, 1) = 12.706, t(0.975, 2) = 4.303, t(0.975, 4) = 2.776.
 */
class IntervalTest {
  @Test
  void theTQuantilesAreThoseOfTheTable() {
    assertEquals(12.706, Interval.quantile(1), 5e-4);
    assertEquals(4.303, Interval.quantile(2), 5e-4);
    assertEquals(2.776, Interval.quantile(4), 5e-4);
    assertEquals(1.960, Interval.quantile(100_000), 5e-4, "the normal's, in the limit");
  }

  @Test
  void threeValues() {
    // mean 0.22; deviations -0.02, 0, 0.02; s = sqrt(0.0008 / 2) = 0.02; 4.3027 * 0.02 / sqrt(3) = 0.04968.
    Interval i = Interval.of(0.20, 0.22, 0.24);
    assertEquals(0.22, i.mean(), 1e-12);
    assertEquals(0.04968, i.halfWidth(), 1e-5);
    assertEquals(0.17032, i.low(), 1e-5);
    assertEquals(0.26968, i.high(), 1e-5);
    assertEquals(3, i.n());
    assertEquals("0.2200 ± 0.0497", i.format(4));
    assertEquals(List.of(0.20, 0.22, 0.24), i.values());
  }

  @Test
  void twoValuesHaveAWideInterval() {
    // mean 0.11, s = 0.01 * sqrt(2) = 0.014142; 12.706 * 0.014142 / sqrt(2) = 0.12706.
    Interval i = Interval.of(0.10, 0.12);
    assertEquals(0.1271, i.halfWidth(), 5e-5);
  }

  @Test
  void pairedDifferencesOfFiveSeeds() {
    double[] magnet = {0.30, 0.28, 0.33, 0.29, 0.31};
    double[] baseline = {0.25, 0.24, 0.27, 0.26, 0.25};
    // d = 0.05, 0.04, 0.06, 0.03, 0.06: mean 0.048; squared deviations sum to 0.00068, s = sqrt(0.00017) = 0.013038;
    // 2.7764 * 0.013038 / sqrt(5) = 0.016189.
    Interval d = Interval.paired(magnet, baseline);
    assertEquals(0.048, d.mean(), 1e-12);
    assertEquals(0.016189, d.halfWidth(), 1e-6);
    assertEquals(Verdict.REFUTED, Verdict.below(d), "Magnet's error is higher at 95%: [0.0318, 0.0642]");
    assertEquals(Verdict.HOLDS, Verdict.above(d));
    // Unpaired, the same seeds' spread would not cancel: the means alone differ by the same 0.048.
    assertEquals(Interval.of(magnet).mean() - Interval.of(baseline).mean(), d.mean(), 1e-12);
  }

  @Test
  void aRelativeClaimWeighsTheBaseline() {
    // "at least 10% below": a - 0.9 b = 0.20 - 0.225, 0.21 - 0.234, 0.19 - 0.216 = -0.025, -0.024, -0.026;
    // mean -0.025, s = 0.001, 4.3027 * 0.001 / sqrt(3) = 0.002484.
    Interval d = Interval.weighted(new double[] {0.20, 0.21, 0.19}, 0.9, new double[] {0.25, 0.26, 0.24});
    assertEquals(-0.025, d.mean(), 1e-12);
    assertEquals(0.002484, d.halfWidth(), 1e-6);
    assertEquals(Verdict.HOLDS, Verdict.below(d));
  }

  @Test
  void anIntervalAcrossZeroOrOneValueIsInconclusive() {
    Interval across = Interval.of(-0.01, 0.02, 0.0);
    assertTrue(across.low() < 0 && across.high() > 0);
    assertEquals(Verdict.INCONCLUSIVE, Verdict.below(across));
    assertEquals(Verdict.INCONCLUSIVE, Verdict.above(across));
    Interval one = Interval.of(-0.5);
    assertFalse(one.defined());
    assertTrue(Double.isNaN(one.halfWidth()));
    assertEquals("-0.5000", one.format(4));
    assertEquals(Verdict.INCONCLUSIVE, Verdict.below(one), "one seed: no interval, whatever the value");
  }

  @Test
  void badInputIsRefusedNamingIt() {
    assertEquals("an interval needs at least one value; values=[]",
        assertThrows(IllegalArgumentException.class, () -> Interval.of()).getMessage());
    assertEquals("an interval needs finite values; values=[0.1, NaN]",
        assertThrows(IllegalArgumentException.class, () -> Interval.of(0.1, Double.NaN)).getMessage());
    assertEquals("paired values need one of each per seed; sizes 2!=1", assertThrows(IllegalArgumentException.class,
        () -> Interval.paired(new double[] {1, 2}, new double[] {1})).getMessage());
  }
}
