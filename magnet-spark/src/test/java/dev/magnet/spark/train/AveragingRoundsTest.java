package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.magnet.spark.metrics.AveragingCost;
import org.junit.jupiter.api.Test;

/** A round's costs from its driver marks and its tasks' events, worked by hand. */
class AveragingRoundsTest {
  @Test
  void aRoundSplitsIntoTheDriversPartsAndItsTasksMeans() {
    // driver: round 1000..1900 ms, 30 ms broadcasting; job 1040..1850 ms
    AveragingRounds.Job job = new AveragingRounds.Job(1040);
    job.endMs = 1850;
    // task A: launched at 1060, done at 1700: 0.02 s deserialising, 0.60 s running of which 0.50 s updates
    job.task(1060, 1700, 0.02, 0.60, 0.01, 0.50);
    // task B: launched at 1080, done at 1800 (the slowest)
    job.task(1080, 1800, 0.04, 0.70, 0.03, 0.40);
    AveragingCost cost = AveragingRounds.cost(new long[] {1000, 1900, 30_000_000}, job);
    assertEquals(1, cost.rounds());
    assertEquals(0.9, cost.roundSeconds(), 1e-9);
    assertEquals(0.03, cost.broadcastSeconds(), 1e-9);
    assertEquals((0.02 + 0.04) / 2, cost.launchSeconds(), 1e-9);
    assertEquals(0.03, cost.deserialiseSeconds(), 1e-9);
    assertEquals((0.10 + 0.30) / 2, cost.workerSetupSeconds(), 1e-9);
    assertEquals(0.45, cost.updateSeconds(), 1e-9);
    assertEquals(0.02, cost.resultSerialiseSeconds(), 1e-9);
    assertEquals((0.1 + 0) / 2, cost.waitForSlowestSeconds(), 1e-9, "A waits 100 ms for B");
    assertEquals(0.05, cost.resultsToDriverSeconds(), 1e-9);
    assertEquals(0.05, cost.driverAveragingSeconds(), 1e-9);

    AveragingCost two = cost.plus(cost);
    assertEquals(2, two.rounds());
    assertEquals(cost, two.minus(cost));
  }
}
