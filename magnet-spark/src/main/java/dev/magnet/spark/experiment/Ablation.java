package dev.magnet.spark.experiment;

import java.util.List;

/**
 * The values the ablation tries, one factor at a time around Magnet's configuration (the
 * experiment's, or a tuned one).
 *
 * @param clustersPerClass K besides the configuration's
 * @param refreshEvery index refresh intervals in batches, besides once per epoch
 * @param alpha margins besides the configuration's
 * @param learningRate Adam's rates besides the configuration's
 */
public record Ablation(List<Integer> clustersPerClass, List<Integer> refreshEvery, List<Double> alpha,
    List<Double> learningRate) {
  /** K of the first ablation (docs/results.md): one cluster per class, half, twice the paper's 8. */
  public static final List<Integer> DEFAULT_K = List.of(1, 4, 16);
  /** Five refreshes per epoch of the full Fashion-MNIST training set (1,250 batches). */
  public static final List<Integer> DEFAULT_REFRESH = List.of(250);
  /** The paper's margin 1 and four times it, around the default 0.25. */
  public static final List<Double> DEFAULT_ALPHA = List.of(1.0, 4.0);
  /** Adam's usual 1e-3 and 3e-3, above the default 3e-4. */
  public static final List<Double> DEFAULT_LEARNING_RATE = List.of(1e-3, 3e-3);

  public Ablation {
    clustersPerClass = List.copyOf(clustersPerClass);
    refreshEvery = List.copyOf(refreshEvery);
    alpha = List.copyOf(alpha);
    learningRate = List.copyOf(learningRate);
    for (int k : clustersPerClass) {
      if (k < 1) {
        throw new IllegalArgumentException("--ablation-k values must be at least 1; ablation-k=" + clustersPerClass);
      }
    }
    for (int r : refreshEvery) {
      if (r < 1) {
        throw new IllegalArgumentException("--ablation-refresh must be at least 1 batch; ablation-refresh="
            + refreshEvery);
      }
    }
    for (double a : alpha) {
      if (!(a >= 0) || Double.isInfinite(a)) {
        throw new IllegalArgumentException("--ablation-alpha values must be finite and >= 0; ablation-alpha=" + alpha);
      }
    }
    for (double rate : learningRate) {
      if (!(rate > 0) || Double.isInfinite(rate)) {
        throw new IllegalArgumentException("--ablation-learning-rate values must be finite and > 0;"
            + " ablation-learning-rate=" + learningRate);
      }
    }
  }

  /** The first ablation's values and the learning rates. */
  public static Ablation defaults() {
    return new Ablation(DEFAULT_K, DEFAULT_REFRESH, DEFAULT_ALPHA, DEFAULT_LEARNING_RATE);
  }
}
