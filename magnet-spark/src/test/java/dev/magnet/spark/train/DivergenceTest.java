package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.TestModels;
import dev.magnet.spark.executor.LossGuard;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The divergence checks on a real network (docs/reliability.md, "Divergence"): the workers' hook
 * after an update, and the driver's checks of the averaged state and the scored loss.
 * {@code ReliabilityCliTest} runs them end to end.
 */
class DivergenceTest {
  /** A Magnet batch for the tiny model: 8 rows of 4 values, 4 clusters of 2 classes. */
  private static DataSet batch(int number) {
    DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 4), Nd4j.create(new float[][] {
        {0, 0}, {0, 0}, {1, 0}, {1, 0}, {2, 1}, {2, 1}, {3, 1}, {3, 1}}));
    LossGuard.tag(batch, number);
    return batch;
  }

  @Test
  void theWorkersHookStopsAtANonFiniteLossOrUpdateNamingTheBatch() {
    MultiLayerNetwork network = TestModels.tiny().network();
    LossGuard guard = new LossGuard();
    DataSet good = batch(6);
    network.fit(good);
    guard.postUpdate(good, network); // finite: nothing happens

    // A weight of the embedding layer gone NaN (by an earlier round's averaging): the next fit's loss is NaN.
    network.params().putScalar(network.params().length() - 1, Double.NaN);
    DataSet poisoned = batch(7);
    network.fit(poisoned);
    LossGuard.NonFiniteTraining loss = assertThrows(LossGuard.NonFiniteTraining.class,
        () -> guard.postUpdate(poisoned, network));
    assertEquals(7, loss.batch());
    assertEquals("batch 7 of the chunk's plan: its loss is NaN", loss.getMessage());
    JobException stopped = Divergence.ofFit(new RuntimeException("Job aborted", loss), 2, 10, 40).orElseThrow();
    assertEquals(ExitCodes.TRAINING_FAILED, stopped.exitCode());
    assertEquals("training diverged in epoch 2 at batch 18 of 40: its loss is NaN; stopped before writing a checkpoint"
        + " or model from this state (lower --learning-rate, or --resume from an earlier checkpoint)",
        stopped.getMessage());

    MultiLayerNetwork other = TestModels.tiny().network();
    other.fit(good);
    other.params().putScalar(5, Double.POSITIVE_INFINITY);
    LossGuard.NonFiniteTraining update = assertThrows(LossGuard.NonFiniteTraining.class,
        () -> guard.postUpdate(good, other));
    assertTrue(update.getMessage().startsWith("batch 6 of the chunk's plan: its update made the parameters non-finite"
        + " (the loss before it was "), update.getMessage());
    assertTrue(Divergence.ofFit(new IllegalStateException("another failure"), 1, 0, 5).isEmpty());
  }

  @Test
  void theDriverStopsAtNonFiniteAveragedStateOrLoss() {
    MultiLayerNetwork network = TestModels.tiny().network();
    network.fit(batch(0));
    Divergence.checkParameters(network, 1, 5, 10);
    Divergence.checkLoss(0.5, 1, 5, 10);

    network.getUpdater().getStateViewArray().putScalar(1, Double.NaN);
    JobException state = assertThrows(JobException.class, () -> Divergence.checkParameters(network, 3, 20, 40));
    assertTrue(state.getMessage().startsWith("training diverged in epoch 3 by batch 20 of 40: the averaged updater"
        + " state is not finite; stopped before writing"), state.getMessage());
    network.params().putScalar(0, Double.NaN);
    JobException parameters = assertThrows(JobException.class, () -> Divergence.checkParameters(network, 3, 20, 40));
    assertTrue(parameters.getMessage().startsWith("training diverged in epoch 3 by batch 20 of 40: the averaged"
        + " parameters are not finite;"), parameters.getMessage());
    JobException loss = assertThrows(JobException.class, () -> Divergence.checkLoss(Double.POSITIVE_INFINITY, 2, 7, 9));
    assertEquals(ExitCodes.TRAINING_FAILED, loss.exitCode());
    assertTrue(loss.getMessage().startsWith("training diverged in epoch 2 by batch 7 of 9: the training loss of the"
        + " fitted batches is Infinity;"), loss.getMessage());
  }
}
