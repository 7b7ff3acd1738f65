package dev.magnet.core.objective;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.nn.Head;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import java.util.Map;
import java.util.Objects;

/**
 * The softmax cross-entropy baseline: a dense softmax layer over the embedding, trained on
 * shuffled batches of M·D rows with one-hot labels and scored by its own argmax; the embedding is
 * the penultimate layer.
 */
public record SoftmaxObjective(MagnetParams params) implements Objective {
  public SoftmaxObjective {
    Objects.requireNonNull(params, "params");
  }

  @Override
  public LossKind kind() {
    return LossKind.SOFTMAX;
  }

  @Override
  public Head head(int numClasses) {
    return Head.softmax(numClasses);
  }

  @Override
  public BatchSampling sampling() {
    return BatchSampling.SHUFFLED;
  }

  @Override
  public void checkData(Map<Integer, Long> classCounts, int numClasses) {
    Objectives.checkLabels(classCounts, numClasses);
  }

  @Override
  public int rowsPerBatch(Map<Integer, Long> classCounts) {
    return params.batchSize();
  }

  @Override
  public GroupPlanner planner(ClusterIndex index, Map<Integer, Long> classCounts) {
    throw new UnsupportedOperationException("softmax batches are shuffled, not planned by group");
  }

  @Override
  public LabelEncoding labels() {
    return LabelEncoding.ONE_HOT;
  }

  @Override
  public Classifier classifier() {
    return new Classifier("argmax", Metric.ARGMAX_ACCURACY);
  }
}
