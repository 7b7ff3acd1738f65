package dev.magnet.core.params;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MagnetParamsTest {
  private static final MagnetParams DEFAULTS = MagnetParams.defaults();

  /** 48-row batches: 10,000 examples make 209 batches an epoch, 60,000 make 1,250. */
  @Test
  void refreshesPerEpochKeepTheirCountWhateverTheDataSize() {
    MagnetParams twice = DEFAULTS.withRefreshesPerEpoch(2);
    assertEquals(104, twice.refreshEvery(10_000));
    assertEquals(625, twice.refreshEvery(60_000));
    assertEquals(2, twice.batchesPerEpoch(60_000) / twice.refreshEvery(60_000));
    assertEquals(0, DEFAULTS.withRefreshesPerEpoch(1).refreshEvery(60_000), "once an epoch is 0");
    assertEquals(1, DEFAULTS.withRefreshesPerEpoch(500).refreshEvery(100), "never below one batch");
    MagnetParams every = DEFAULTS.withRefreshEveryBatches(104);
    assertEquals(104, every.refreshEvery(10_000));
    assertEquals(104, every.refreshEvery(60_000), "an interval in batches refreshes six times as often on 60,000");
    assertEquals(0, DEFAULTS.refreshEvery(60_000));
  }

  @Test
  void theLastWayOfStatingTheIntervalWins() {
    assertEquals(0, DEFAULTS.withRefreshesPerEpoch(2).withRefreshEveryBatches(50).refreshesPerEpoch());
    assertEquals(0, DEFAULTS.withRefreshEveryBatches(50).withRefreshesPerEpoch(2).refreshEveryBatches());
  }

  @Test
  void bothWaysAtOnceOrANegativeCountAreRefused() {
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> new MagnetParams(
        LossKind.MAGNET, 8, 12, 4, 1.0, 128, 50, 2, 3, 0, 0.2, 30, 42));
    assertTrue(both.getMessage().contains("refreshEveryBatches=50, refreshesPerEpoch=2"), both.getMessage());
    IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
        () -> DEFAULTS.withRefreshesPerEpoch(-1));
    assertTrue(negative.getMessage().contains("refreshesPerEpoch=-1"), negative.getMessage());
  }
}
