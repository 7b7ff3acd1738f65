package dev.magnet.core.cluster;

import dev.magnet.core.distance.Distances;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The full-data Magnet loss of many examples against one index ({@link ClusterIndex#exampleLoss}
 * for each), a block of rows at a time: the squared distances from a block of examples to every
 * centroid come from one matrix product ({@link Distances.References}), and the log-sum-exp over the
 * clusters of other classes is a few whole-block ND4J ops.
 *
 * <p>Why not the per-example loop: the loss pass touches every (example, cluster) pair, O(N·C·d).
 * With classes of a few examples each (product catalogues, ten thousand identities) there are
 * about as many clusters as examples, and the scalar loop made that pass most of an epoch
 * (docs/benchmarks.md, "Index refresh with many classes"). A matrix product runs the same
 * arithmetic at BLAS speed, and ND4J's vectorised exp replaces one {@code Math.exp} call per pair,
 * which after the product was the larger cost. The values agree with the loop up to the rounding of the expansion
 * ‖x‖² − 2x·c + ‖c‖² (about 1e-16 of ‖x‖² + ‖c‖² in each distance).
 *
 * <p>Prepares the centroids once; {@link #of} may be called from several threads.
 */
public final class ExampleLosses {
  /** Distances per block, about 32 MB of doubles whatever the number of clusters. */
  private static final long BLOCK_ENTRIES = 4L << 20;
  private static final int MAX_BLOCK_ROWS = Distances.DEFAULT_BLOCK_ROWS;

  private final ClusterIndex index;
  private final double alpha;
  private final double scale;
  private final Distances.References centroids;
  private final int blockRows;

  /**
   * @param index the clusters and σ²
   * @param alpha the margin
   */
  public ExampleLosses(ClusterIndex index, double alpha) {
    this.index = index;
    this.alpha = alpha;
    this.scale = 1.0 / (2.0 * index.sigma2());
    this.centroids = Distances.prepare(index.centroidMatrix());
    this.blockRows = (int) Math.max(1, Math.min(MAX_BLOCK_ROWS, BLOCK_ENTRIES / index.numClusters()));
  }

  /** The loss of each row of {@code rows} [n, dimension] whose cluster is {@code ownClusters[i]}. */
  public double[] of(float[][] rows, int[] ownClusters) {
    if (rows.length == 0) {
      return new double[0];
    }
    // freed here, not when the garbage collector gets to it (docs/benchmarks.md, "Where the memory goes")
    try (INDArray embeddings = Nd4j.create(rows)) {
      return of(embeddings, ownClusters);
    }
  }

  /** The loss of each row of {@code embeddings} [n, dimension] whose cluster is {@code ownClusters[i]}. */
  public double[] of(INDArray embeddings, int[] ownClusters) {
    if (embeddings.rows() != ownClusters.length) {
      throw new IllegalArgumentException("one cluster per example is needed; examples=" + embeddings.rows()
          + ", clusters=" + ownClusters.length);
    }
    double[] losses = new double[ownClusters.length];
    for (int start = 0; start < losses.length; start += blockRows) {
      int end = Math.min(losses.length, start + blockRows);
      try (INDArray distances = centroids.squaredDistances(
          embeddings.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()))) {
        blockLosses(distances, ownClusters, start, losses);
      }
    }
    return losses;
  }

  /**
   * Losses of one block of rows, in ND4J: each row's own-class clusters are set to +∞ (they leave
   * the denominator), the shift of the log-sum-exp is the row's nearest remaining cluster, and the
   * exponentials of the whole block are one vectorised op.
   */
  private void blockLosses(INDArray distances, int[] ownClusters, int first, double[] losses) {
    int rows = Math.toIntExact(distances.rows());
    double[] own = new double[rows];
    boolean[] alone = new boolean[rows];
    for (int i = 0; i < rows; i++) {
      int cluster = ownClusters[first + i];
      own[i] = Math.max(0.0, distances.getDouble(i, cluster));
      int[] range = index.clustersOfClass(index.clusterClass(cluster));
      alone[i] = range[1] - range[0] == index.numClusters();
      for (int j = range[0]; j < range[1]; j++) {
        distances.putScalar(i, j, Double.POSITIVE_INFINITY);
      }
    }
    try (INDArray minima = distances.min(1)) {
      INDArray nearest = minima.reshape(rows, 1);
      try (INDArray sums = Transforms.exp(distances.subiColumnVector(nearest).muli(-scale), false).sum(1)) {
        for (int i = 0; i < rows; i++) {
          // no other class has a cluster: nothing to tell the example apart from
          losses[first + i] = alone[i] ? 0.0 : Math.max(0.0,
              scale * own[i] + alpha - scale * nearest.getDouble(i, 0) + Math.log(sums.getDouble(i)));
        }
      }
    }
  }
}
