package dev.magnet.core.eval;

import dev.magnet.core.distance.Distances;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Leave-one-out retrieval on one labelled set: every item is a query against all the others.
 *
 * <p>Definitions (Musgrave, Belongie, Lim, "A Metric Learning Reality Check", 2020): for a query
 * with label y, R is the number of other items labelled y and rel(i) is 1 when the i-th nearest
 * other item is labelled y. Precision@1 = rel(1); Recall@K = 1 when some rel(i) = 1 for i ≤ K (the
 * metric-learning convention, not the information-retrieval recall); R-Precision = (1/R) Σ_{i≤R}
 * rel(i); MAP@R = (1/R) Σ_{i≤R} P(i)·rel(i) with P(i) the precision of the first i items. Queries
 * with R = 0 are excluded from every mean and counted. Ties in distance are broken by item row.
 *
 * <p>Distances are streamed block by block ({@link Distances#forEachBlock}), so memory holds one
 * block of distances and each query's top max(8, R) neighbours, never the full matrix.
 */
public final class RetrievalMetrics {

  /** Recall@K cut-offs, the ones the metric-learning literature reports. */
  private static final int[] RECALL_KS = {1, 2, 4, 8};

  private RetrievalMetrics() {}

  /** Every retrieval score, including the rank-R ones. */
  public static RetrievalResult compute(INDArray embeddings, int[] labels) {
    return compute(embeddings, labels, true, Distances.DEFAULT_BLOCK_ROWS);
  }

  /**
   * The retrieval scores; without {@code withRankR} the search stops at 8 neighbours and
   * R-Precision and MAP@R are NaN.
   */
  public static RetrievalResult compute(INDArray embeddings, int[] labels, boolean withRankR,
      int blockRows) {
    if (embeddings.rows() != labels.length) {
      throw new IllegalArgumentException("embeddings and labels must have the same rows; embeddings="
          + embeddings.rows() + ", labels=" + labels.length);
    }
    Map<Integer, Integer> counts = new HashMap<>();
    int largestClass = 0;
    for (int label : labels) {
      largestClass = Math.max(largestClass, counts.merge(label, 1, Integer::sum));
    }
    int depth = withRankR ? Math.max(RECALL_KS[RECALL_KS.length - 1], largestClass - 1)
        : RECALL_KS[RECALL_KS.length - 1];
    Totals totals = new Totals();
    Distances.forEachBlock(embeddings, embeddings, blockRows, (block, first) -> {
      for (int b = 0; b < block.length; b++) {
        int query = first + b;
        int label = labels[query];
        int r = counts.get(label) - 1;
        if (r == 0) {
          continue;
        }
        int[] top = Distances.topK(block[b], depth, query);
        int firstHit = Integer.MAX_VALUE;
        int hits = 0;
        double precisionSum = 0;
        for (int i = 0; i < top.length; i++) {
          if (labels[top[i]] == label) {
            firstHit = Math.min(firstHit, i + 1);
            if (i < r) {
              hits++;
              precisionSum += (double) hits / (i + 1);
            }
          }
        }
        totals.add(firstHit, (double) hits / r, precisionSum / r);
      }
    });
    double n = totals.queries;
    double rankR = withRankR ? 1 : Double.NaN;
    return new RetrievalResult(totals.recallHits[0] / n, totals.recallHits[0] / n,
        totals.recallHits[1] / n, totals.recallHits[2] / n, totals.recallHits[3] / n,
        rankR * totals.rPrecision / n, rankR * totals.mapAtR / n, totals.queries,
        labels.length - totals.queries);
  }

  /** Running sums over the evaluated queries. */
  private static final class Totals {
    private final int[] recallHits = new int[RECALL_KS.length];
    private int queries;
    private double rPrecision;
    private double mapAtR;

    void add(int firstHit, double queryRPrecision, double queryMapAtR) {
      queries++;
      for (int j = 0; j < RECALL_KS.length; j++) {
        recallHits[j] += firstHit <= RECALL_KS[j] ? 1 : 0;
      }
      rPrecision += queryRPrecision;
      mapAtR += queryMapAtR;
    }
  }
}
