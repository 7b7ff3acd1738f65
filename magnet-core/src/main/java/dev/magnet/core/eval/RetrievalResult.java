package dev.magnet.core.eval;

import java.util.Map;
import java.util.Set;

/**
 * Leave-one-out retrieval scores, each a mean over the evaluated queries. Precision@1 and Recall@1
 * coincide under the metric-learning definition of Recall@K; both are kept for the reports' names.
 * The rank-R scores are NaN when they were not requested, and every score is NaN when no query
 * could be evaluated.
 *
 * @param precisionAt1 fraction of queries whose nearest other item has their label
 * @param recallAt1 fraction of queries with a same-label item among the 1 nearest
 * @param recallAt2 ... among the 2 nearest
 * @param recallAt4 ... among the 4 nearest
 * @param recallAt8 ... among the 8 nearest
 * @param rPrecision mean fraction of same-label items among the R nearest
 * @param mapAtR mean of (1/R) Σ_{i≤R} P(i)·rel(i)
 * @param evaluatedQueries queries whose label has at least one other item
 * @param excludedQueries queries whose label has no other item, left out of every mean
 */
public record RetrievalResult(double precisionAt1, double recallAt1, double recallAt2,
    double recallAt4, double recallAt8, double rPrecision, double mapAtR, int evaluatedQueries,
    int excludedQueries) {

  /**
   * Puts the scores of the requested {@code metrics} into {@code values} under their metrics.json
   * names, each after {@code prefix} ("" or {@link Evaluator#FINE_PREFIX}), then the number of
   * excluded queries: what both the driver's and the executors' evaluation report.
   */
  public void putInto(Map<String, Double> values, String prefix, Set<Metric> metrics) {
    if (metrics.contains(Metric.PRECISION_AT_1)) {
      values.put(prefix + Metric.PRECISION_AT_1.names().get(0), precisionAt1);
    }
    if (metrics.contains(Metric.RECALL_AT_K)) {
      double[] recalls = {recallAt1, recallAt2, recallAt4, recallAt8};
      for (int i = 0; i < recalls.length; i++) {
        values.put(prefix + Metric.RECALL_AT_K.names().get(i), recalls[i]);
      }
    }
    if (metrics.contains(Metric.R_PRECISION)) {
      values.put(prefix + Metric.R_PRECISION.names().get(0), rPrecision);
    }
    if (metrics.contains(Metric.MAP_AT_R)) {
      values.put(prefix + Metric.MAP_AT_R.names().get(0), mapAtR);
    }
    values.put(prefix + Evaluator.EXCLUDED_QUERIES, (double) excludedQueries);
  }
}
