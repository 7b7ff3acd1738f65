package dev.magnet.core.eval;

import java.util.List;

/** An evaluation metric an {@link Evaluator} can be asked for, with its stable report names. */
public enum Metric {
  /** Accuracy of the paper's cluster rule ({@link ClusterClassifier}) on the test set. */
  CLUSTER_ACCURACY("cluster_accuracy"),
  /**
   * Accuracy of the softmax baseline's own output layer (the argmax of its class probabilities) on
   * the test set; only a softmax model has one, so only its evaluations report it.
   */
  ARGMAX_ACCURACY("argmax_accuracy"),
  /** 1-NN accuracy of test embeddings against the training embeddings. */
  KNN1_ACCURACY("knn1_accuracy"),
  /** 10-NN accuracy of test embeddings against the training embeddings. */
  KNN10_ACCURACY("knn10_accuracy"),
  /** Leave-one-out Precision@1 on the test set. */
  PRECISION_AT_1("precision_at_1"),
  /** Leave-one-out Recall@K on the test set for K = 1, 2, 4, 8. */
  RECALL_AT_K("recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8"),
  /** Leave-one-out R-Precision on the test set. */
  R_PRECISION("r_precision"),
  /** Leave-one-out MAP@R on the test set. */
  MAP_AT_R("map_at_r"),
  /** NMI of K-means (k = number of classes) on the test embeddings against the test labels. */
  NMI("nmi");

  private final List<String> names;

  Metric(String... names) {
    this.names = List.of(names);
  }

  /** The names this metric's values have in {@link EvaluationReport#values()}. */
  public List<String> names() {
    return names;
  }

  /**
   * The name of a metric with one value (every one but {@link #RECALL_AT_K}): how reports,
   * metrics.json, gates and tables name it.
   */
  public String key() {
    if (names.size() != 1) {
      throw new IllegalStateException(name() + " has " + names.size() + " values: " + names);
    }
    return names.get(0);
  }

  /** The name of the same value measured against the fine labels ({@link Evaluator#FINE_PREFIX}). */
  public String fineKey() {
    return Evaluator.FINE_PREFIX + key();
  }
}
