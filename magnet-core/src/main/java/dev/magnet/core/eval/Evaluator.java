package dev.magnet.core.eval;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.distance.Neighbours;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computes the requested {@link Metric}s of a trained embedding, and only those: the k-NN search
 * against the training set runs only for a k-NN metric (one k=10 search serves k=1 too), the
 * leave-one-out retrieval search only for a retrieval metric (and only R deep for R-Precision or
 * MAP@R), K-means only for NMI.
 *
 * <p>Hierarchy recovery: when fine test labels are given, the retrieval metrics and NMI are also
 * computed against them, and the k-NN accuracies against the training embeddings' fine labels
 * when those are given too (the Magnet paper's and the PyTorch yardstick's protocol), or else
 * leave-one-out within the test set; each named with the {@value #FINE_PREFIX} prefix, e.g.
 * {@code fine_knn1_accuracy}.
 */
public final class Evaluator {

  /** Prefix of the names of values computed against the fine labels. */
  public static final String FINE_PREFIX = "fine_";
  /** Name of the count of retrieval queries left out because their label has no other item. */
  public static final String EXCLUDED_QUERIES = "retrieval_excluded_queries";
  /** The larger k of the k-NN metrics; its search also serves k = 1. */
  private static final int KNN_DEPTH = 10;

  private final Set<Metric> metrics;
  private final long seed;

  /**
   * @param metrics the metrics to compute, at least one
   * @param seed seeds K-means for {@link Metric#NMI}
   */
  public Evaluator(Set<Metric> metrics, long seed) {
    if (metrics.isEmpty()) {
      throw new IllegalArgumentException("metrics must not be empty; metrics=" + metrics);
    }
    this.metrics = Set.copyOf(EnumSet.copyOf(metrics));
    this.seed = seed;
  }

  /** Evaluates without the cluster rule and without hierarchy recovery. */
  public EvaluationReport evaluate(LabelledEmbeddings train, LabelledEmbeddings test) {
    return evaluate(train, test, null, null);
  }

  /** Evaluates with fine labels of the test rows only (fine k-NN leave-one-out within the test set). */
  public EvaluationReport evaluate(LabelledEmbeddings train, LabelledEmbeddings test,
      ClusterClassifier clusterClassifier, int[] fineTestLabels) {
    return evaluate(train, test, clusterClassifier, null, fineTestLabels);
  }

  /**
   * Evaluates without {@link Metric#ARGMAX_ACCURACY} (a model without a softmax head).
   *
   * @param clusterClassifier the paper's rule for {@link Metric#CLUSTER_ACCURACY}; null if not requested
   * @param fineTrainLabels fine labels of the training rows, for fine k-NN against them; null for none
   * @param fineTestLabels fine labels of the test rows for hierarchy recovery; null for none
   */
  public EvaluationReport evaluate(LabelledEmbeddings train, LabelledEmbeddings test,
      ClusterClassifier clusterClassifier, int[] fineTrainLabels, int[] fineTestLabels) {
    return evaluate(train, test, clusterClassifier, null, fineTrainLabels, fineTestLabels);
  }

  /**
   * @param clusterClassifier the paper's rule for {@link Metric#CLUSTER_ACCURACY}; null if not requested
   * @param argmaxPredictions the class the softmax head predicts for each test row, for
   *     {@link Metric#ARGMAX_ACCURACY}; null if not requested
   * @param fineTrainLabels fine labels of the training rows, for fine k-NN against them; null for none
   * @param fineTestLabels fine labels of the test rows for hierarchy recovery; null for none
   */
  public EvaluationReport evaluate(LabelledEmbeddings train, LabelledEmbeddings test,
      ClusterClassifier clusterClassifier, int[] argmaxPredictions, int[] fineTrainLabels, int[] fineTestLabels) {
    Distances.checkSameDimension(train.embeddings(), test.embeddings());
    if (metrics.contains(Metric.CLUSTER_ACCURACY) && clusterClassifier == null) {
      throw new IllegalArgumentException("CLUSTER_ACCURACY needs a cluster classifier; clusterClassifier=null");
    }
    if (metrics.contains(Metric.ARGMAX_ACCURACY) && argmaxPredictions == null) {
      throw new IllegalArgumentException("ARGMAX_ACCURACY needs the softmax head's predictions; argmaxPredictions=null");
    }
    if (argmaxPredictions != null && argmaxPredictions.length != test.labels().length) {
      throw new IllegalArgumentException("argmax predictions must have one class per test row; predictions="
          + argmaxPredictions.length + ", test=" + test.labels().length);
    }
    if (fineTestLabels != null && fineTestLabels.length != test.labels().length) {
      throw new IllegalArgumentException("fine test labels must have one label per test row; fine="
          + fineTestLabels.length + ", test=" + test.labels().length);
    }
    if (fineTrainLabels != null && fineTrainLabels.length != train.labels().length) {
      throw new IllegalArgumentException("fine training labels must have one label per training row; fine="
          + fineTrainLabels.length + ", train=" + train.labels().length);
    }
    Map<String, Double> values = new LinkedHashMap<>();
    if (metrics.contains(Metric.CLUSTER_ACCURACY)) {
      put(values, "", Metric.CLUSTER_ACCURACY,
          KnnClassifier.accuracy(clusterClassifier.predict(test.embeddings()), test.labels()));
    }
    if (metrics.contains(Metric.ARGMAX_ACCURACY)) {
      put(values, "", Metric.ARGMAX_ACCURACY, KnnClassifier.accuracy(argmaxPredictions, test.labels()));
    }
    Neighbours trainNeighbours = null;
    if (needsKnn()) {
      KnnClassifier knn = new KnnClassifier(train.embeddings(), train.labels());
      trainNeighbours = knn.neighbours(test.embeddings(), KNN_DEPTH);
      putKnn(values, "", knn, trainNeighbours, test.labels());
    }
    putRetrievalAndNmi(values, "", test.embeddings(), test.labels());
    if (fineTestLabels != null) {
      if (needsKnn() && fineTrainLabels != null) {
        // The same neighbours, voting with their fine labels.
        putKnn(values, FINE_PREFIX, new KnnClassifier(train.embeddings(), fineTrainLabels), trainNeighbours, fineTestLabels);
      } else if (needsKnn()) {
        KnnClassifier knn = new KnnClassifier(test.embeddings(), fineTestLabels);
        putKnn(values, FINE_PREFIX, knn, knn.leaveOneOutNeighbours(KNN_DEPTH), fineTestLabels);
      }
      putRetrievalAndNmi(values, FINE_PREFIX, test.embeddings(), fineTestLabels);
    }
    return new EvaluationReport(values);
  }

  private boolean needsKnn() {
    return metrics.contains(Metric.KNN1_ACCURACY) || metrics.contains(Metric.KNN10_ACCURACY);
  }

  private void putKnn(Map<String, Double> values, String prefix, KnnClassifier knn,
      Neighbours neighbours, int[] truth) {
    if (metrics.contains(Metric.KNN1_ACCURACY)) {
      put(values, prefix, Metric.KNN1_ACCURACY, KnnClassifier.accuracy(knn.vote(neighbours, 1), truth));
    }
    if (metrics.contains(Metric.KNN10_ACCURACY)) {
      put(values, prefix, Metric.KNN10_ACCURACY,
          KnnClassifier.accuracy(knn.vote(neighbours, KNN_DEPTH), truth));
    }
  }

  private void putRetrievalAndNmi(Map<String, Double> values, String prefix,
      INDArray embeddings, int[] labels) {
    boolean rankR = metrics.contains(Metric.R_PRECISION) || metrics.contains(Metric.MAP_AT_R);
    if (rankR || metrics.contains(Metric.PRECISION_AT_1) || metrics.contains(Metric.RECALL_AT_K)) {
      RetrievalMetrics.compute(embeddings, labels, rankR, Distances.DEFAULT_BLOCK_ROWS)
          .putInto(values, prefix, metrics);
    }
    if (metrics.contains(Metric.NMI)) {
      int classes = (int) Arrays.stream(labels).distinct().count();
      put(values, prefix, Metric.NMI, Nmi.clusterNmi(embeddings, labels, classes, seed));
    }
  }

  private static void put(Map<String, Double> values, String prefix, Metric metric, double value) {
    values.put(prefix + metric.names().get(0), value);
  }
}
