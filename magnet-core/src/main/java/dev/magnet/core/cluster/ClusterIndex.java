package dev.magnet.core.cluster;

import dev.magnet.core.distance.Distances;
import java.util.Arrays;
import java.util.Optional;
import java.util.PriorityQueue;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The cluster index of the training embeddings: for every class its K-means centroids, and for
 * every cluster its class, size and current loss, plus the pooled within-cluster variance σ².
 * Immutable; arrays are copied in and out.
 *
 * <p>Clusters are numbered 0..numClusters−1, grouped by class in ascending class order, so the
 * clusters of class c are the contiguous range {@link #clustersOfClass(int)}. A class may have no
 * cluster (no training example of it in this index). The example→cluster assignment is optional:
 * the single-JVM builder keeps it, the Spark job keeps it next to the data instead, because the
 * driver never holds every example id.
 */
public final class ClusterIndex {
  private final int numClasses;
  private final double[][] centroids;
  private final int[] clusterClass;
  private final long[] clusterSize;
  private final double[] clusterLoss;
  private final double sigma2;
  private final int[] assignment;
  private final int[] classStart;

  private ClusterIndex(
      int numClasses,
      double[][] centroids,
      int[] clusterClass,
      long[] clusterSize,
      double sigma2,
      double[] clusterLoss,
      int[] assignment) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be positive; numClasses=" + numClasses);
    }
    if (centroids.length == 0) {
      throw new IllegalArgumentException("a cluster index needs at least one cluster; clusters=0");
    }
    int clusters = centroids.length;
    requireLength("clusterClass", clusterClass.length, clusters);
    requireLength("clusterSize", clusterSize.length, clusters);
    if (clusterLoss != null) {
      requireLength("clusterLoss", clusterLoss.length, clusters);
    }
    int dim = centroids[0].length;
    if (dim < 1) {
      throw new IllegalArgumentException("centroids need at least one dimension; dimension=0");
    }
    for (int j = 0; j < clusters; j++) {
      checkDimension(dim, centroids[j].length);
      for (double v : centroids[j]) {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("centroid of cluster " + j + " is not finite; value=" + v);
        }
      }
      if (clusterClass[j] < 0 || clusterClass[j] >= numClasses) {
        throw new IllegalArgumentException("cluster class must be in [0, " + numClasses + "); cluster "
            + j + " has class " + clusterClass[j]);
      }
      if (j > 0 && clusterClass[j] < clusterClass[j - 1]) {
        throw new IllegalArgumentException("clusters must be grouped by class in ascending order; cluster "
            + j + " has class " + clusterClass[j] + " after class " + clusterClass[j - 1]);
      }
      if (clusterSize[j] < 1) {
        throw new IllegalArgumentException("every cluster needs a member; cluster " + j + " has size " + clusterSize[j]);
      }
      if (clusterLoss != null && !(clusterLoss[j] >= 0 && Double.isFinite(clusterLoss[j]))) {
        throw new IllegalArgumentException("cluster loss must be finite and >= 0; cluster " + j + " has loss " + clusterLoss[j]);
      }
    }
    if (!(sigma2 > 0) || Double.isInfinite(sigma2)) {
      throw new IllegalArgumentException("sigma2 must be finite and positive; sigma2=" + sigma2);
    }
    if (assignment != null) {
      long total = Arrays.stream(clusterSize).sum();
      if (assignment.length != total) {
        throw new IllegalArgumentException(
            "assignment must cover every member of every cluster; assignment length=" + assignment.length + ", cluster sizes sum=" + total);
      }
      long[] counted = new long[clusters];
      for (int i = 0; i < assignment.length; i++) {
        if (assignment[i] < 0 || assignment[i] >= clusters) {
          throw new IllegalArgumentException("assignment of example " + i + " must be in [0, " + clusters + "); value=" + assignment[i]);
        }
        counted[assignment[i]]++;
      }
      if (!Arrays.equals(counted, clusterSize)) {
        throw new IllegalArgumentException("assignment disagrees with cluster sizes: " + Arrays.toString(counted)
            + " != " + Arrays.toString(clusterSize));
      }
    }
    this.numClasses = numClasses;
    this.centroids = deepCopy(centroids);
    this.clusterClass = clusterClass.clone();
    this.clusterSize = clusterSize.clone();
    this.clusterLoss = clusterLoss == null ? null : clusterLoss.clone();
    this.sigma2 = sigma2;
    this.assignment = assignment == null ? null : assignment.clone();
    this.classStart = new int[numClasses + 1];
    for (int c = 0, j = 0; c <= numClasses; c++) {
      while (j < clusters && clusterClass[j] < c) {
        j++;
      }
      classStart[c] = j;
    }
  }

  /**
   * An index whose losses are not known yet (the sampler then seeds uniformly).
   *
   * @param assignment global cluster id of every training example, or null when kept elsewhere
   */
  public static ClusterIndex of(
      int numClasses, double[][] centroids, int[] clusterClass, long[] clusterSize, double sigma2, int[] assignment) {
    return new ClusterIndex(numClasses, centroids, clusterClass, clusterSize, sigma2, null, assignment);
  }

  /** A copy of this index with per-cluster losses, e.g. the mean example loss of each cluster. */
  public ClusterIndex withLosses(double[] losses) {
    return new ClusterIndex(numClasses, centroids, clusterClass, clusterSize, sigma2, losses, assignment);
  }

  private static void requireLength(String name, int actual, int clusters) {
    if (actual != clusters) {
      throw new IllegalArgumentException(name + " must have one entry per cluster; " + actual + "!=" + clusters);
    }
  }

  /** The one message for embedding dimension mismatches. */
  public static void checkDimension(int expected, int actual) {
    if (expected != actual) {
      throw new IllegalArgumentException("embedding dimensions differ: " + actual + "!=" + expected);
    }
  }

  private static double[][] deepCopy(double[][] rows) {
    double[][] copy = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      copy[i] = rows[i].clone();
    }
    return copy;
  }

  public int numClasses() {
    return numClasses;
  }

  public int numClusters() {
    return centroids.length;
  }

  public int dimension() {
    return centroids[0].length;
  }

  public double sigma2() {
    return sigma2;
  }

  public double[] centroid(int cluster) {
    return centroids[cluster].clone();
  }

  public double[][] centroids() {
    return deepCopy(centroids);
  }

  /** The centroids as a [numClusters, dimension] matrix. */
  public INDArray centroidMatrix() {
    return Nd4j.create(centroids);
  }

  public int clusterClass(int cluster) {
    return clusterClass[cluster];
  }

  public int[] clusterClasses() {
    return clusterClass.clone();
  }

  public long clusterSize(int cluster) {
    return clusterSize[cluster];
  }

  public long[] clusterSizes() {
    return clusterSize.clone();
  }

  public boolean lossesKnown() {
    return clusterLoss != null;
  }

  /** The cluster's loss; NaN before any loss is known (see {@link #lossesKnown()}). */
  public double clusterLoss(int cluster) {
    return clusterLoss == null ? Double.NaN : clusterLoss[cluster];
  }

  /** The first cluster of class c (inclusive) and the end of its range (exclusive). */
  public int[] clustersOfClass(int c) {
    if (c < 0 || c >= numClasses) {
      throw new IllegalArgumentException("class must be in [0, " + numClasses + "); class=" + c);
    }
    return new int[] {classStart[c], classStart[c + 1]};
  }

  public int clusterCountOfClass(int c) {
    int[] range = clustersOfClass(c);
    return range[1] - range[0];
  }

  /** The example→cluster assignment, when this index holds it. */
  public Optional<int[]> assignment() {
    return assignment == null ? Optional.empty() : Optional.of(assignment.clone());
  }

  /** The fewest clusters of other classes that any class with clusters has. */
  public int minImpostorsAvailable() {
    int min = Integer.MAX_VALUE;
    for (int c = 0; c < numClasses; c++) {
      int own = clusterCountOfClass(c);
      if (own > 0) {
        min = Math.min(min, numClusters() - own);
      }
    }
    return min;
  }

  /**
   * The {@code count} clusters of classes other than the given cluster's whose centroids are
   * nearest to its centroid, nearest first (ties by lower cluster id).
   */
  public int[] nearestImpostors(int cluster, int count) {
    if (cluster < 0 || cluster >= numClusters()) {
      throw new IllegalArgumentException("cluster must be in [0, " + numClusters() + "); cluster=" + cluster);
    }
    int own = clusterClass[cluster];
    int available = numClusters() - clusterCountOfClass(own);
    if (count < 0 || count > available) {
      throw new IllegalArgumentException("impostor count must be in [0, " + available
          + "] (clusters of classes other than class " + own + "); count=" + count);
    }
    double[] distance = new double[numClusters()];
    // Max-heap of the best `count` candidates so far: O(C log count) per lookup.
    PriorityQueue<Integer> best = new PriorityQueue<>((a, b) -> {
      int byDistance = Double.compare(distance[b], distance[a]);
      return byDistance != 0 ? byDistance : Integer.compare(b, a);
    });
    for (int j = 0; j < numClusters(); j++) {
      if (clusterClass[j] == own) {
        continue;
      }
      distance[j] = Distances.squared(centroids[cluster], centroids[j]);
      best.add(j);
      if (best.size() > count) {
        best.poll();
      }
    }
    int[] result = new int[best.size()];
    for (int i = result.length - 1; i >= 0; i--) {
      result[i] = best.poll();
    }
    return result;
  }

  /** The nearest centroid among the clusters of class c; -1 when c has no cluster. */
  public int nearestClusterOfClass(double[] embedding, int c) {
    checkDimension(dimension(), embedding.length);
    int[] range = clustersOfClass(c);
    int nearest = -1;
    double best = Double.POSITIVE_INFINITY;
    for (int j = range[0]; j < range[1]; j++) {
      double d = Distances.squared(embedding, centroids[j]);
      if (d < best) {
        best = d;
        nearest = j;
      }
    }
    return nearest;
  }

  /**
   * The full-data Magnet loss of one example against this index: its own cluster's centroid in
   * the numerator (plus α), every cluster of another class in the denominator, σ² of the index.
   * Computed with log-sum-exp; zero when no other class has a cluster.
   */
  public double exampleLoss(double[] embedding, int ownCluster, double alpha) {
    checkDimension(dimension(), embedding.length);
    int own = clusterClass[ownCluster];
    double s = 1.0 / (2.0 * sigma2);
    double max = Double.NEGATIVE_INFINITY;
    double[] exponent = new double[numClusters()];
    for (int j = 0; j < numClusters(); j++) {
      if (clusterClass[j] != own) {
        exponent[j] = -s * Distances.squared(embedding, centroids[j]);
        max = Math.max(max, exponent[j]);
      }
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return 0.0;
    }
    double sum = 0;
    for (int j = 0; j < numClusters(); j++) {
      if (clusterClass[j] != own) {
        sum += Math.exp(exponent[j] - max);
      }
    }
    double value = s * Distances.squared(embedding, centroids[ownCluster]) + alpha + max + Math.log(sum);
    return Math.max(0.0, value);
  }



  @Override
  public String toString() {
    return "ClusterIndex[classes=" + numClasses + ", clusters=" + numClusters() + ", dimension="
        + dimension() + ", sigma2=" + sigma2 + ", lossesKnown=" + lossesKnown() + "]";
  }
}
