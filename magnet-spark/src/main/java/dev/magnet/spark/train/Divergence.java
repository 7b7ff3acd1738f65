package dev.magnet.spark.train;

import dev.magnet.core.matrix.Matrices;
import dev.magnet.spark.executor.LossGuard;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.util.Optional;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The training loop's divergence checks (docs/reliability.md, "Divergence"). A non-finite loss or
 * non-finite parameters stop training at once with {@link ExitCodes#TRAINING_FAILED} and a message
 * naming the epoch and the batch; the loop throws before its checkpoint, so nothing is written
 * from that state. Three places look:
 *
 * <ol>
 *   <li>the workers, after every mini-batch update ({@link LossGuard}): the batch's loss and the
 *       updated parameters; the fit's job fails and {@link #ofFit} names the batch;
 *   <li>the driver, after each fit (one chunk of averaging rounds): the averaged parameters and
 *       updater state, which an overflow in the averaging itself could make non-finite;
 *   <li>the driver, after scoring the fitted batches: the chunk's training loss.
 * </ol>
 */
final class Divergence {
  private Divergence() {}

  /**
   * A fit's failure as a divergence, when a worker's {@link LossGuard} stopped it.
   *
   * @param firstBatch batches of the epoch fitted before this chunk
   */
  static Optional<JobException> ofFit(Throwable failure, int epoch, int firstBatch, int batchesPerEpoch) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof LossGuard.NonFiniteTraining diverged) {
        String where = diverged.batch() >= 0
            ? "at batch " + (firstBatch + diverged.batch() + 1) + " of " + batchesPerEpoch
            : "in batches " + (firstBatch + 1) + ".." + batchesPerEpoch;
        return Optional.of(diverged(epoch, where, diverged.what(), t));
      }
    }
    return Optional.empty();
  }

  /**
   * Throws when the network's parameters or updater state are not finite after the averaging
   * rounds that ended with batch {@code lastBatch}.
   */
  static void checkParameters(MultiLayerNetwork network, int epoch, int lastBatch, int batchesPerEpoch) {
    Updater updater = network.getUpdater(false);
    boolean parameters = Matrices.allFinite(network.params());
    if (!parameters || updater != null && !Matrices.allFinite(updater.getStateViewArray())) {
      throw diverged(epoch, "by batch " + lastBatch + " of " + batchesPerEpoch, "the averaged "
          + (parameters ? "updater state is" : "parameters are") + " not finite", null);
    }
  }

  /** Throws when the training loss scored on the batches ending with {@code lastBatch} is not finite. */
  static void checkLoss(double loss, int epoch, int lastBatch, int batchesPerEpoch) {
    if (!Double.isFinite(loss)) {
      throw diverged(epoch, "by batch " + lastBatch + " of " + batchesPerEpoch,
          "the training loss of the fitted batches is " + loss, null);
    }
  }

  private static JobException diverged(int epoch, String where, String what, Throwable cause) {
    return new JobException(ExitCodes.TRAINING_FAILED, "training diverged in epoch " + epoch + " " + where + ": "
        + what + "; stopped before writing a checkpoint or model from this state (lower " + TrainArgs.LEARNING_RATE
        + ", or --resume from an earlier checkpoint)", cause);
  }
}
