package dev.magnet.core.cluster;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.matrix.Matrices;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Lloyd's K-means on one JVM, with seeded k-means++ initialisation or a warm start from given
 * centroids (the cluster index refreshes warm-start from the previous centroids).
 *
 * <p>Written by hand rather than using commons-math3's {@code KMeansPlusPlusClusterer}, which has no
 * warm start and works on boxed {@code Clusterable} points. Distances are {@link Distances#squared}
 * in plain loops ({@link #assign} says why).
 *
 * <p>Behaviour at the edges: with fewer distinct points than k, k-means++ stops when every point
 * coincides with a chosen centroid, so the result has as many clusters as distinct points. A
 * cluster left empty by an assignment step is re-seeded from the point farthest from its centroid;
 * if every point sits on its centroid, the empty cluster keeps its previous centre.
 */
public final class KMeans {

  private KMeans() {}

  /** K-means with k-means++ initialisation drawn from {@code seed}. */
  public static KMeansResult fit(INDArray data, int k, long seed, int maxIterations) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive; k=" + k);
    }
    double[][] x = checkedRows(data, "data");
    checkIterations(maxIterations);
    double[][] initial = kMeansPlusPlus(x, k, new SplittableRandom(seed));
    return lloyd(data, x, initial, maxIterations);
  }

  /** K-means warm-started from {@code initialCentroids} [k, dim]; deterministic. */
  public static KMeansResult fit(INDArray data, INDArray initialCentroids, int maxIterations) {
    double[][] x = checkedRows(data, "data");
    double[][] initial = checkedRows(initialCentroids, "initialCentroids");
    if (initial.length == 0) {
      throw new IllegalArgumentException("k must be positive; k=0");
    }
    if (initialCentroids.columns() != data.columns()) {
      throw new IllegalArgumentException("initial centroid dimensions differ: "
          + initialCentroids.columns() + "!=" + data.columns());
    }
    checkIterations(maxIterations);
    return lloyd(data, x, initial, maxIterations);
  }

  private static KMeansResult lloyd(INDArray data, double[][] x, double[][] initial, int maxIterations) {
    double[][] centroids = initial;
    int[] assignment = null;
    Assignment current = null;
    int iterations = 0;
    boolean converged = false;
    while (iterations < maxIterations) {
      iterations++;
      current = assign(x, centroids);
      if (assignment != null && Arrays.equals(assignment, current.cluster)) {
        converged = true;
        break;
      }
      assignment = current.cluster;
      centroids = update(x, centroids, current);
    }
    if (!converged) {
      current = assign(x, centroids);
    }
    double inertia = 0;
    for (double d : current.squaredDistance) {
      inertia += d;
    }
    INDArray c = Nd4j.create(centroids).castTo(data.dataType());
    return new KMeansResult(c, current.cluster, inertia, iterations);
  }

  /**
   * Nearest centroid of each row and its squared distance; the first of equally near centroids.
   * Plain loops over the rows: per class the matrices are small (thousands × 8 × 64), where each
   * ND4J op's dispatch and allocation cost more than the arithmetic (measured in
   * docs/benchmarks.md).
   */
  private static Assignment assign(double[][] x, double[][] centroids) {
    int n = x.length;
    int[] cluster = new int[n];
    double[] best = new double[n];
    for (int i = 0; i < n; i++) {
      int arg = 0;
      double nearest = Distances.squared(x[i], centroids[0]);
      for (int j = 1; j < centroids.length; j++) {
        double d = Distances.squared(x[i], centroids[j]);
        if (d < nearest) {
          nearest = d;
          arg = j;
        }
      }
      cluster[i] = arg;
      best[i] = nearest;
    }
    return new Assignment(cluster, best);
  }

  /** Means of the assigned rows; empty clusters re-seeded from the farthest rows. */
  private static double[][] update(double[][] x, double[][] previous, Assignment a) {
    int k = previous.length;
    int dim = previous[0].length;
    double[][] sums = new double[k][dim];
    int[] counts = new int[k];
    for (int i = 0; i < x.length; i++) {
      counts[a.cluster[i]]++;
      for (int j = 0; j < dim; j++) {
        sums[a.cluster[i]][j] += x[i][j];
      }
    }
    double[] distance = a.squaredDistance.clone();
    double[][] next = new double[k][];
    for (int c = 0; c < k; c++) {
      if (counts[c] > 0) {
        next[c] = new double[dim];
        for (int j = 0; j < dim; j++) {
          next[c][j] = sums[c][j] / counts[c];
        }
        continue;
      }
      int farthest = argMax(distance);
      if (distance[farthest] > 0) {
        next[c] = x[farthest].clone();
        a.cluster[farthest] = c;
        distance[farthest] = 0;
      } else {
        next[c] = previous[c];
      }
    }
    return next;
  }

  /** k-means++ seeding; stops early once every row coincides with a chosen centroid. */
  private static double[][] kMeansPlusPlus(double[][] x, int k, SplittableRandom random) {
    int n = x.length;
    double[][] chosen = new double[Math.min(k, n)][];
    chosen[0] = x[random.nextInt(n)];
    double[] nearest = distancesTo(x, chosen[0]);
    int count = 1;
    while (count < chosen.length) {
      double total = 0;
      for (double d : nearest) {
        total += d;
      }
      if (total <= 0) {
        break;
      }
      double target = random.nextDouble() * total;
      int pick = 0;
      double cumulative = nearest[0];
      while (cumulative <= target && pick < n - 1) {
        pick++;
        cumulative += nearest[pick];
      }
      while (nearest[pick] == 0) {
        pick--;
      }
      chosen[count++] = x[pick];
      double[] toPick = distancesTo(x, x[pick]);
      for (int i = 0; i < n; i++) {
        nearest[i] = Math.min(nearest[i], toPick[i]);
      }
    }
    return Arrays.copyOf(chosen, count);
  }

  private static double[] distancesTo(double[][] x, double[] centroid) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = Distances.squared(x[i], centroid);
    }
    return out;
  }

  private static int argMax(double[] values) {
    int arg = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[arg]) {
        arg = i;
      }
    }
    return arg;
  }

  /** The rows of a 2-D, non-empty, finite matrix as Java arrays. */
  private static double[][] checkedRows(INDArray m, String name) {
    Matrices.checkMatrix(m, name);
    if (m.rows() == 0) {
      throw new IllegalArgumentException(name + " must have at least one row; rows=0");
    }
    double[][] rows = Matrices.toDoubleRows(m);
    for (int i = 0; i < rows.length; i++) {
      for (double v : rows[i]) {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException(name + " must be finite; first bad row=" + i
              + ", value=" + v);
        }
      }
    }
    return rows;
  }

  private static void checkIterations(int maxIterations) {
    if (maxIterations <= 0) {
      throw new IllegalArgumentException("maxIterations must be positive; maxIterations=" + maxIterations);
    }
  }

  /** The cluster of each row and its squared distance to that cluster's centroid. */
  private record Assignment(int[] cluster, double[] squaredDistance) {}
}
