package dev.magnet.core.eval;

import dev.magnet.core.distance.Distances;
import java.io.Serializable;
import java.math.BigDecimal;
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
        int[] topLabels = new int[top.length];
        for (int i = 0; i < top.length; i++) {
          topLabels[i] = labels[top[i]];
        }
        totals.add(topLabels, label, r);
      }
    });
    return totals.result(withRankR, labels.length);
  }

  /** The neighbours a query needs for every score: max(8, R), R its label's other items. */
  public static int depth(int r) {
    return Math.max(RECALL_KS[RECALL_KS.length - 1], r);
  }

  /**
   * Running sums over the evaluated queries, exact: R-Precision and MAP@R are summed as
   * {@link BigDecimal}s, so the means do not depend on the order queries are added or on how
   * partial sums are merged, and a distributed evaluation gives the same bits as this one.
   */
  public static final class Totals implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int[] recallHits = new int[RECALL_KS.length];
    private long queries;
    private BigDecimal rPrecision = BigDecimal.ZERO;
    private BigDecimal mapAtR = BigDecimal.ZERO;

    /**
     * Adds one query: the labels of its nearest other items in rank order (at least
     * {@link #depth}(r) of them, or all there are), its label and R (> 0).
     */
    public void add(int[] neighbourLabels, int label, int r) {
      int firstHit = Integer.MAX_VALUE;
      int hits = 0;
      double precisionSum = 0;
      for (int i = 0; i < neighbourLabels.length; i++) {
        if (neighbourLabels[i] == label) {
          firstHit = Math.min(firstHit, i + 1);
          if (i < r) {
            hits++;
            precisionSum += (double) hits / (i + 1);
          }
        }
      }
      queries++;
      for (int j = 0; j < RECALL_KS.length; j++) {
        recallHits[j] += firstHit <= RECALL_KS[j] ? 1 : 0;
      }
      rPrecision = rPrecision.add(new BigDecimal((double) hits / r));
      mapAtR = mapAtR.add(new BigDecimal(precisionSum / r));
    }

    /** The sums of both. */
    public Totals merge(Totals other) {
      Totals sum = new Totals();
      for (int j = 0; j < RECALL_KS.length; j++) {
        sum.recallHits[j] = recallHits[j] + other.recallHits[j];
      }
      sum.queries = queries + other.queries;
      sum.rPrecision = rPrecision.add(other.rPrecision);
      sum.mapAtR = mapAtR.add(other.mapAtR);
      return sum;
    }

    /** The scores over {@code items} items, of which the queries added were evaluated. */
    public RetrievalResult result(boolean withRankR, long items) {
      double n = queries;
      double rankR = withRankR ? 1 : Double.NaN;
      return new RetrievalResult(recallHits[0] / n, recallHits[0] / n, recallHits[1] / n, recallHits[2] / n,
          recallHits[3] / n, rankR * rPrecision.doubleValue() / n, rankR * mapAtR.doubleValue() / n,
          Math.toIntExact(queries), Math.toIntExact(items - queries));
    }
  }
}
