package dev.magnet.core.objective;

import dev.magnet.core.eval.Metric;
import dev.magnet.core.nn.Head;
import dev.magnet.core.params.MagnetParams;

/**
 * The softmax cross-entropy baseline: a dense softmax layer over the embedding, trained on
 * shuffled batches of M·D rows with one-hot labels and scored by its own argmax; the embedding is
 * the penultimate layer.
 */
public final class SoftmaxObjective extends Objective {
  SoftmaxObjective(MagnetParams params) {
    super(params, BatchSampling.SHUFFLED, LabelEncoding.ONE_HOT, new Classifier("argmax", Metric.ARGMAX_ACCURACY));
  }

  @Override
  public Head head(int numClasses) {
    return Head.softmax(numClasses);
  }
}
