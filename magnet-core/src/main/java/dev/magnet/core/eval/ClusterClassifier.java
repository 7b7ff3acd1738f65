package dev.magnet.core.eval;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.distance.Neighbours;
import dev.magnet.core.matrix.Matrices;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Magnet paper's classification rule: a query r takes its L nearest cluster centroids over all
 * classes, each votes for its class with weight {@code exp(−‖r−μ‖²/(2σ²))}, and the prediction is
 * the class with the largest summed weight; the normalised sums are the class probabilities.
 *
 * <p>The weights are computed relative to the nearest centroid,
 * {@code exp(−(‖r−μ‖² − min‖r−μ'‖²)/(2σ²))}, which leaves the normalised sums unchanged and keeps
 * the nearest weight at 1, so queries far from every centroid get finite probabilities instead of
 * 0/0. Example: centroids 0 (class 0), 2 and 3 (class 1) on a line, σ² = 0.5, L = 3, query 0.9:
 * squared distances 0.81, 1.21, 4.41, probabilities 1 / (1 + e^−0.4 + e^−3.6) = 0.589 for class 0
 * and 0.411 for class 1.
 */
public final class ClusterClassifier {

  private final INDArray centroids;
  private final int[] centroidClass;
  private final int numClasses;
  private final double sigma2;
  private final int l;

  /**
   * @param centroids [C, E] cluster centroids of all classes
   * @param centroidClass the class of each centroid, in [0, numClasses)
   * @param numClasses number of classes
   * @param sigma2 the pooled within-cluster variance σ², positive
   * @param l voting clusters per query; all C when l > C
   */
  public ClusterClassifier(INDArray centroids, int[] centroidClass, int numClasses, double sigma2, int l) {
    Matrices.checkMatrix(centroids, "centroids");
    if (centroids.rows() == 0) {
      throw new IllegalArgumentException("centroids must have at least one row; rows=0");
    }
    if (centroids.rows() != centroidClass.length) {
      throw new IllegalArgumentException("centroids and centroidClass must have the same rows; centroids="
          + centroids.rows() + ", centroidClass=" + centroidClass.length);
    }
    if (numClasses <= 0) {
      throw new IllegalArgumentException("numClasses must be positive; numClasses=" + numClasses);
    }
    for (int i = 0; i < centroidClass.length; i++) {
      if (centroidClass[i] < 0 || centroidClass[i] >= numClasses) {
        throw new IllegalArgumentException("centroid classes must be in [0, numClasses); centroidClass["
            + i + "]=" + centroidClass[i] + ", numClasses=" + numClasses);
      }
    }
    if (!(sigma2 > 0) || Double.isInfinite(sigma2)) {
      throw new IllegalArgumentException("sigma2 must be positive and finite; sigma2=" + sigma2);
    }
    if (l <= 0) {
      throw new IllegalArgumentException("L must be positive; L=" + l);
    }
    this.centroids = centroids.dup();
    this.centroidClass = centroidClass.clone();
    this.numClasses = numClasses;
    this.sigma2 = sigma2;
    this.l = Math.min(l, centroidClass.length);
  }

  /** Class probabilities of each query, [q][numClasses]; classes with no voting centroid get 0. */
  public double[][] predictProba(INDArray queries) {
    return classify(queries).probabilities();
  }

  /**
   * Class probabilities, predicted classes and nearest clusters of a batch of queries, from one
   * search of each query's L nearest centroids.
   */
  public Classified classify(INDArray queries) {
    Neighbours nearest = Distances.nearest(queries, centroids, l, false);
    int q = nearest.queries();
    double[][] proba = new double[q][numClasses];
    int[] predicted = new int[q];
    int[] cluster = new int[q];
    for (int i = 0; i < q; i++) {
      int[] idx = nearest.indices()[i];
      double[] d2 = nearest.squaredDistances()[i];
      double total = 0;
      for (int j = 0; j < idx.length; j++) {
        double w = Math.exp(-(d2[j] - d2[0]) / (2 * sigma2));
        proba[i][centroidClass[idx[j]]] += w;
        total += w;
      }
      for (int c = 0; c < numClasses; c++) {
        proba[i][c] /= total;
        if (proba[i][c] > proba[i][predicted[i]]) {
          predicted[i] = c;
        }
      }
      cluster[i] = idx[0];
    }
    return new Classified(proba, predicted, cluster);
  }

  /**
   * A batch classified by the cluster rule.
   *
   * @param probabilities class probabilities, [q][numClasses]
   * @param predicted the most probable class of each query (ties to the lower class id)
   * @param nearestCluster the row of each query's nearest centroid
   */
  public record Classified(double[][] probabilities, int[] predicted, int[] nearestCluster) {}

  /** The most probable class of each query; ties go to the lower class id. */
  public int[] predict(INDArray queries) {
    return classify(queries).predicted();
  }

  /** The row of each query's nearest centroid. */
  public int[] nearestCluster(INDArray queries) {
    return classify(queries).nearestCluster();
  }

  /** Number of classes the probabilities range over. */
  public int numClasses() {
    return numClasses;
  }
}
