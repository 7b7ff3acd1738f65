package dev.magnet.core.eval;

import dev.magnet.core.cluster.KMeans;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Normalised mutual information between two labelings, with arithmetic-mean normalisation
 * (scikit-learn's default): {@code NMI = I(U;V) / ((H(U) + H(V)) / 2)}, natural logarithms.
 * Two labelings that each put everything in one group score 1; otherwise zero mutual information
 * scores 0. Label values are arbitrary ints: only the partition matters.
 */
public final class Nmi {

  /** K-means iterations for {@link #clusterNmi}; far more than blobs of embeddings need to settle. */
  public static final int CLUSTER_MAX_ITERATIONS = 100;

  private Nmi() {}

  /** NMI between two labelings of the same items. */
  public static double nmi(int[] u, int[] v) {
    if (u.length != v.length) {
      throw new IllegalArgumentException("labelings must have the same length; u=" + u.length
          + ", v=" + v.length);
    }
    if (u.length == 0) {
      throw new IllegalArgumentException("labelings must not be empty; length=0");
    }
    Map<Integer, Integer> cu = counts(u);
    Map<Integer, Integer> cv = counts(v);
    if (cu.size() == 1 && cv.size() == 1) {
      return 1.0;
    }
    Map<Long, Integer> joint = new HashMap<>();
    for (int i = 0; i < u.length; i++) {
      joint.merge(((long) u[i] << 32) | (v[i] & 0xffffffffL), 1, Integer::sum);
    }
    double n = u.length;
    double mi = 0;
    for (Map.Entry<Long, Integer> e : joint.entrySet()) {
      int a = (int) (e.getKey() >> 32);
      int b = (int) (long) e.getKey();
      double nij = e.getValue();
      mi += nij / n * Math.log(nij * n / ((double) cu.get(a) * cv.get(b)));
    }
    if (mi <= 0) {
      return 0.0;
    }
    double mean = (entropy(cu, n) + entropy(cv, n)) / 2;
    return Math.min(1.0, mi / mean);
  }

  /** NMI between {@code labels} and a K-means clustering of {@code embeddings} into k clusters. */
  public static double clusterNmi(INDArray embeddings, int[] labels, int k, long seed) {
    if (embeddings.rows() != labels.length) {
      throw new IllegalArgumentException("embeddings and labels must have the same rows; embeddings="
          + embeddings.rows() + ", labels=" + labels.length);
    }
    return nmi(labels, KMeans.fit(embeddings, k, seed, CLUSTER_MAX_ITERATIONS).assignment());
  }

  private static Map<Integer, Integer> counts(int[] labels) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int label : labels) {
      counts.merge(label, 1, Integer::sum);
    }
    return counts;
  }

  private static double entropy(Map<Integer, Integer> counts, double n) {
    double h = 0;
    for (int c : counts.values()) {
      h -= c / n * Math.log(c / n);
    }
    return h;
  }
}
