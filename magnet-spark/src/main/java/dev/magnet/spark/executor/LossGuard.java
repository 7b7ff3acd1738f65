package dev.magnet.spark.executor;

import dev.magnet.core.matrix.Matrices;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Stops a diverging fit on the worker, at the mini-batch where it diverged (docs/reliability.md,
 * "Divergence"). DL4J's parameter-averaging worker calls {@link #postUpdate} after each
 * {@code network.fit(batch)}; the network then holds the batch's loss (computed by the fit's own
 * forward pass, so reading it costs nothing) and its updated parameters. When either is not
 * finite the hook throws {@link NonFiniteTraining}: the task fails, Spark fails the job, and the
 * driver ({@code SparkMagnetTrainer}) finds the exception among the job failure's causes and
 * stops training before anything is written from that state.
 *
 * <p>The parameters are checked after every update, not only at the averaging: a batch's loss is
 * computed before its update, so an update that makes the parameters non-finite shows in the loss
 * of the next batch only, and after a worker's last batch of a round that is a batch of the next
 * round, once the non-finite values have been averaged into every worker. The check is one
 * reduction over the parameters (its cost is in docs/reliability.md).
 *
 * <p>A batch carries its number in the epoch's plan as its example metadata ({@link #tag}), so
 * the failure names it.
 */
public final class LossGuard implements TrainingHook {
  private static final long serialVersionUID = 1L;

  /** Tags a batch with its (0-based) number in its chunk's plan, for {@link NonFiniteTraining#batch()}. */
  public static void tag(org.nd4j.linalg.dataset.DataSet batch, int number) {
    ArrayList<Integer> tag = new ArrayList<>(1);
    tag.add(number);
    batch.setExampleMetaData(tag);
  }

  /** The number {@link #tag} gave the batch, or -1 when it has none. */
  static int numberOf(DataSet batch) {
    List<Serializable> tag = batch.getExampleMetaData();
    return tag != null && tag.size() == 1 && tag.get(0) instanceof Integer n ? n : -1;
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    // The loss and parameters exist only after the update.
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {
    check(model, numberOf(minibatch));
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    // As for a DataSet.
  }

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {
    check(model, -1);
  }

  private static void check(Model model, int batch) {
    double loss = model.score();
    if (!Double.isFinite(loss)) {
      throw new NonFiniteTraining(batch, "its loss is " + loss);
    }
    if (!Matrices.allFinite(model.params())) {
      throw new NonFiniteTraining(batch, "its update made the parameters non-finite (the loss before it was "
          + loss + ")");
    }
  }

  /**
   * A worker's mini-batch diverged. Thrown in the task; the driver reads {@link #batch()} and the
   * message from the job failure's causes.
   */
  public static final class NonFiniteTraining extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int batch;

    NonFiniteTraining(int batch, String what) {
      super((batch >= 0 ? "batch " + batch + " of the chunk's plan: " : "a mini-batch: ") + what);
      this.batch = batch;
    }

    /** The batch's 0-based number in its chunk's plan, or -1 when it was not tagged. */
    public int batch() {
      return batch;
    }

    /** What went wrong, without the batch: "its loss is NaN". */
    public String what() {
      String message = getMessage();
      return message.substring(message.indexOf(": ") + 2);
    }
  }
}
