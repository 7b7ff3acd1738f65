package dev.magnet.core.nn;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Stand-in for the metric losses in tests: {@code ½‖r‖²} per example, labels read for their row
 * count only, so they may have any width (the Magnet loss's are {@code [n,2]}). Differentiable
 * everywhere, which gradient checks need.
 */
public final class PullToOriginLoss implements ILossFunction {
  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask, boolean average) {
    double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
    return average ? sum / preOutput.size(0) : sum;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask) {
    checkRows(labels, preOutput);
    INDArray r = activationFn.getActivation(preOutput.dup(), true);
    return r.mul(r).sum(1).muli(0.5);
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
      INDArray mask) {
    checkRows(labels, preOutput);
    INDArray r = activationFn.getActivation(preOutput.dup(), true);
    return activationFn.backprop(preOutput.dup(), r).getFirst();
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
      IActivation activationFn, INDArray mask, boolean average) {
    return Pair.of(computeScore(labels, preOutput, activationFn, mask, average),
        computeGradient(labels, preOutput, activationFn, mask));
  }

  @Override
  public String name() {
    return "PullToOriginLoss";
  }

  private static void checkRows(INDArray labels, INDArray preOutput) {
    if (labels.size(0) != preOutput.size(0)) {
      throw new IllegalArgumentException(
          "labels and outputs differ in rows: " + labels.size(0) + "!=" + preOutput.size(0));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PullToOriginLoss;
  }

  @Override
  public int hashCode() {
    return PullToOriginLoss.class.hashCode();
  }
}
