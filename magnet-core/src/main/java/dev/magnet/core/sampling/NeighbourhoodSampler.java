package dev.magnet.core.sampling;

import dev.magnet.core.cluster.ClusterIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Samples the neighbourhoods the Magnet loss trains on (Rippel et al., §3.2).
 *
 * <ol>
 *   <li>A seed cluster is drawn with probability proportional to its loss — uniformly while no
 *       loss is known. A cluster whose loss is 0 keeps a floor of {@link #RELATIVE_LOSS_FLOOR}
 *       times the mean loss, so it is still visited now and then and probabilities never become
 *       NaN (all losses zero → uniform).
 *   <li>Its M−1 nearest clusters of <em>other</em> classes (by centroid distance) join it.
 *   <li>D examples are drawn uniformly from each of the M clusters, without replacement, or with
 *       replacement when a cluster has fewer than D members ({@link #drawMembers}).
 * </ol>
 *
 * <p>Invariants, checked here so that a bad configuration fails before any training: M ≥ 2 (the
 * loss needs a cluster of another class), D ≥ 1, and every class that has clusters sees at least
 * M−1 clusters of other classes.
 *
 * <p>Worked example: 3 classes × K=2 clusters (ids 0,1 | 2,3 | 4,5), M=3, D=4. Seeding cluster 2
 * (class 1) adds the two clusters of classes 0 or 2 nearest to centroid 2, say 5 and 0, giving
 * the neighbourhood [2, 5, 0] and a batch of 3×4 = 12 examples. M=6 would fail at construction:
 * each class sees only 4 clusters of other classes.
 */
public final class NeighbourhoodSampler {
  /** A zero-loss cluster is seeded this fraction as often as an average one: rare, never never. */
  public static final double RELATIVE_LOSS_FLOOR = 1e-3;

  /** Floor when every loss is zero: the weights are then all equal, i.e. uniform seeding. */
  private static final double ABSOLUTE_LOSS_FLOOR = 1e-12;

  private final ClusterIndex index;
  private final int m;
  private final int d;
  private final double[] cumulative;

  /**
   * @param m clusters per neighbourhood (M)
   * @param d examples drawn per cluster (D)
   */
  public NeighbourhoodSampler(ClusterIndex index, int m, int d) {
    if (m < 2) {
      throw new IllegalArgumentException("M must be at least 2: the loss needs clusters of another class; M=" + m);
    }
    if (d < 1) {
      throw new IllegalArgumentException("D must be positive; D=" + d);
    }
    int available = index.minImpostorsAvailable();
    if (available < m - 1) {
      throw new IllegalArgumentException("M-1 nearest impostor clusters are needed but some class has only "
          + available + " clusters of other classes (" + index.numClusters() + " clusters in "
          + index.numClasses() + " classes); M=" + m);
    }
    this.index = index;
    this.m = m;
    this.d = d;
    this.cumulative = cumulativeWeights(index);
  }

  private static double[] cumulativeWeights(ClusterIndex index) {
    int clusters = index.numClusters();
    double[] weight = new double[clusters];
    if (index.lossesKnown()) {
      double mean = 0;
      for (int j = 0; j < clusters; j++) {
        mean += index.clusterLoss(j) / clusters;
      }
      double floor = Math.max(RELATIVE_LOSS_FLOOR * mean, ABSOLUTE_LOSS_FLOOR);
      for (int j = 0; j < clusters; j++) {
        weight[j] = Math.max(index.clusterLoss(j), floor);
      }
    } else {
      Arrays.fill(weight, 1.0);
    }
    double[] cumulative = new double[clusters];
    double total = 0;
    for (int j = 0; j < clusters; j++) {
      total += weight[j];
      cumulative[j] = total;
    }
    for (int j = 0; j < clusters; j++) {
      cumulative[j] /= total;
    }
    cumulative[clusters - 1] = 1.0;
    return cumulative;
  }

  public int clustersPerBatch() {
    return m;
  }

  public int examplesPerCluster() {
    return d;
  }

  public int batchSize() {
    return m * d;
  }

  public ClusterIndex index() {
    return index;
  }

  /** The probability with which the given cluster is drawn as a seed. */
  public double seedProbability(int cluster) {
    return cluster == 0 ? cumulative[0] : cumulative[cluster] - cumulative[cluster - 1];
  }

  /** Draws a seed cluster (step 1). */
  public int drawSeed(SplittableRandom random) {
    double u = random.nextDouble();
    int at = Arrays.binarySearch(cumulative, u);
    int seed = at >= 0 ? at + 1 : -at - 1;
    // u == cumulative[j] exactly belongs to the next cluster; skip zero-width ones.
    while (seed < cumulative.length - 1 && seedProbability(seed) == 0) {
      seed++;
    }
    return Math.min(seed, cumulative.length - 1);
  }

  /** Draws one neighbourhood (steps 1 and 2). */
  public Neighbourhood next(SplittableRandom random) {
    int seed = drawSeed(random);
    int[] impostors = index.nearestImpostors(seed, m - 1);
    int[] clusters = new int[m];
    clusters[0] = seed;
    System.arraycopy(impostors, 0, clusters, 1, m - 1);
    return new Neighbourhood(clusters);
  }

  /** The neighbourhoods of {@code batches} mini-batches, reproducible from the random state. */
  public List<Neighbourhood> plan(int batches, SplittableRandom random) {
    if (batches < 0) {
      throw new IllegalArgumentException("batch count must be >= 0; batches=" + batches);
    }
    List<Neighbourhood> plan = new ArrayList<>(batches);
    for (int b = 0; b < batches; b++) {
      plan.add(next(random));
    }
    return plan;
  }

  /**
   * Step 3: {@code d} members drawn uniformly, without replacement when the cluster has at least
   * {@code d} members (partial Fisher–Yates), with replacement otherwise — never a crash.
   */
  public static int[] drawMembers(int[] members, int d, SplittableRandom random) {
    if (members.length == 0) {
      throw new IllegalArgumentException("cannot draw from an empty cluster; members=0, D=" + d);
    }
    int[] drawn = new int[d];
    if (members.length < d) {
      for (int i = 0; i < d; i++) {
        drawn[i] = members[random.nextInt(members.length)];
      }
      return drawn;
    }
    int[] pool = members.clone();
    for (int i = 0; i < d; i++) {
      int j = i + random.nextInt(pool.length - i);
      int swap = pool[i];
      pool[i] = pool[j];
      pool[j] = swap;
      drawn[i] = pool[i];
    }
    return drawn;
  }
}
