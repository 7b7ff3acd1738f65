package dev.magnet.spark.report;

import dev.magnet.core.cluster.ClusterIndex;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.stat.correlation.Covariance;

/**
 * A principal component analysis fitted on a set of points: their mean and the leading
 * eigenvectors of their covariance (commons-math3's {@link Covariance} and
 * {@link EigenDecomposition}), used to project the report's embedding sample and, with the same
 * transform, the model's cluster centroids onto a plane.
 *
 * <p>Spark MLlib's PCA would need a Spark job for at most a few thousand driver-side points; the
 * covariance of 2,000 × 64 values and its eigen decomposition take milliseconds here.
 *
 * <p>Eigenvectors are unique only up to sign; each component is turned so that its coordinate of
 * largest magnitude is positive (scikit-learn's convention), so refits of the same data draw the
 * same picture.
 */
public final class Pca {
  private final double[] mean;
  private final double[][] components;
  private final double[] explainedVarianceRatio;

  private Pca(double[] mean, double[][] components, double[] explainedVarianceRatio) {
    this.mean = mean;
    this.components = components;
    this.explainedVarianceRatio = explainedVarianceRatio;
  }

  /**
   * Fits the {@code count} leading components of {@code points}.
   *
   * @param points at least 2 rows, all of one dimension; not modified
   * @param count components to keep, 1..dimension
   */
  public static Pca fit(double[][] points, int count) {
    if (points.length < 2) {
      throw new IllegalArgumentException("PCA needs at least 2 points; points=" + points.length);
    }
    int dim = points[0].length;
    for (double[] p : points) {
      ClusterIndex.checkDimension(dim, p.length);
    }
    if (count < 1 || count > dim) {
      throw new IllegalArgumentException("components must be in [1, " + dim + "]; components=" + count);
    }
    double[] mean = new double[dim];
    for (double[] p : points) {
      for (int j = 0; j < dim; j++) {
        mean[j] += p[j] / points.length;
      }
    }
    RealMatrix covariance = new Covariance(points, true).getCovarianceMatrix();
    EigenDecomposition eigen = new EigenDecomposition(covariance);
    double[] values = eigen.getRealEigenvalues();
    Integer[] order = IntStream.range(0, values.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> values[i]).reversed());
    double total = Arrays.stream(values).map(v -> Math.max(v, 0)).sum();
    double[][] components = new double[count][];
    double[] ratio = new double[count];
    for (int k = 0; k < count; k++) {
      double[] v = eigen.getEigenvector(order[k]).toArray();
      int largest = 0;
      for (int j = 1; j < dim; j++) {
        if (Math.abs(v[j]) > Math.abs(v[largest])) {
          largest = j;
        }
      }
      if (v[largest] < 0) {
        for (int j = 0; j < dim; j++) {
          v[j] = -v[j];
        }
      }
      components[k] = v;
      ratio[k] = total > 0 ? Math.max(values[order[k]], 0) / total : 0;
    }
    return new Pca(mean, components, ratio);
  }

  /** Fits on float rows (embeddings as the network gives them). */
  public static Pca fit(float[][] points, int count) {
    return fit(toDoubles(points), count);
  }

  /** The coordinates of {@code point} on the components: (point − mean) · component. */
  public double[] project(double[] point) {
    ClusterIndex.checkDimension(mean.length, point.length);
    double[] out = new double[components.length];
    for (int k = 0; k < components.length; k++) {
      double sum = 0;
      for (int j = 0; j < mean.length; j++) {
        sum += (point[j] - mean[j]) * components[k][j];
      }
      out[k] = sum;
    }
    return out;
  }

  public double[] project(float[] point) {
    double[] values = new double[point.length];
    for (int j = 0; j < values.length; j++) {
      values[j] = point[j];
    }
    return project(values);
  }

  /** The mean of the fitted points. */
  public double[] mean() {
    return mean.clone();
  }

  /** Component k, a unit vector. */
  public double[] component(int k) {
    return components[k].clone();
  }

  public int components() {
    return components.length;
  }

  /** The share of the total variance along each component, in [0, 1]. */
  public double[] explainedVarianceRatio() {
    return explainedVarianceRatio.clone();
  }

  static double[][] toDoubles(float[][] rows) {
    double[][] out = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      out[i] = new double[rows[i].length];
      for (int j = 0; j < rows[i].length; j++) {
        out[i][j] = rows[i][j];
      }
    }
    return out;
  }
}
