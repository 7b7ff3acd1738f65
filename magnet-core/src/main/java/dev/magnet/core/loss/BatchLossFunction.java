package dev.magnet.core.loss;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * DL4J's side of a loss defined over the whole mini-batch (the Magnet and batch-hard triplet
 * losses): the four {@link ILossFunction} entry points all come from one {@link #evaluate}, which
 * gives each example's loss and, when asked, the gradient with respect to the pre-activation
 * output. The score is their mean (or sum). Equality is the class and its one hyper-parameter, as
 * DL4J's configuration JSON needs.
 */
abstract class BatchLossFunction implements ILossFunction {
  private static final long serialVersionUID = 1L;

  /**
   * Each example's loss (0 for a masked-out row) and, when {@code withGradient}, dL/d(preOutput).
   *
   * @param gradient null unless asked for
   */
  record Evaluation(double[] perExample, INDArray gradient) {
    /** The sum (in row order) or the mean of the per-example losses. */
    double score(boolean average) {
      double sum = 0;
      for (double loss : perExample) {
        sum += loss;
      }
      return average && perExample.length > 0 ? sum / perExample.length : sum;
    }
  }

  /** Checks the shapes, runs the loss on the batch, and backpropagates through the activation. */
  abstract Evaluation evaluate(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean withGradient);

  /** The loss's one hyper-parameter (α, the margin), for equality. */
  abstract double hyperParameter();

  @Override
  public final double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean average) {
    return evaluate(labels, preOutput, activationFn, mask, false).score(average);
  }

  @Override
  public final INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask) {
    double[] losses = evaluate(labels, preOutput, activationFn, mask, false).perExample();
    return Nd4j.create(losses, new long[] {losses.length, 1}).castTo(preOutput.dataType());
  }

  @Override
  public final INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask) {
    return evaluate(labels, preOutput, activationFn, mask, true).gradient();
  }

  @Override
  public final Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
      IActivation activationFn, INDArray mask, boolean average) {
    Evaluation result = evaluate(labels, preOutput, activationFn, mask, true);
    return new Pair<>(result.score(average), result.gradient());
  }

  @Override
  public final String toString() {
    return name();
  }

  @Override
  public final boolean equals(Object o) {
    return o != null && o.getClass() == getClass()
        && Double.compare(hyperParameter(), ((BatchLossFunction) o).hyperParameter()) == 0;
  }

  @Override
  public final int hashCode() {
    return 31 * getClass().hashCode() + Double.hashCode(hyperParameter());
  }
}
