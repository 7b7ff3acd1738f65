package dev.magnet.core.cluster;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.matrix.Matrices;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds a {@link ClusterIndex} on one JVM: per-class K-means on the current embeddings
 * (warm-started from the previous index's centroids of the same class when it has as many),
 * then the pooled σ² and every cluster's mean full-data Magnet loss from the same embeddings.
 * The Spark job does the same across executors; this is the reference it is tested against.
 */
public final class ClusterIndexBuilder {
  private ClusterIndexBuilder() {}

  /**
   * @param embeddings [n, dimension]
   * @param labels class of each row, in [0, numClasses)
   * @param k clusters per class (fewer for a class with fewer distinct points)
   * @param previous the last index, to warm-start from; null for a cold start
   * @param alpha the margin of the per-cluster losses
   */
  public static ClusterIndex build(INDArray embeddings, int[] labels, int numClasses, int k,
      ClusterIndex previous, long seed, double alpha, int maxIterations) {
    if (embeddings.rank() != 2 || embeddings.size(0) != labels.length) {
      throw new IllegalArgumentException("embeddings must be [" + labels.length + ", dimension]; shape="
          + java.util.Arrays.toString(embeddings.shape()));
    }
    if (labels.length < 2) {
      throw new IllegalArgumentException("a cluster index needs at least 2 examples; examples=" + labels.length);
    }
    int n = labels.length;
    List<List<Integer>> rowsOfClass = new ArrayList<>();
    for (int c = 0; c < numClasses; c++) {
      rowsOfClass.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= numClasses) {
        throw new IllegalArgumentException("label must be in [0, " + numClasses + "); example " + i + " has " + labels[i]);
      }
      rowsOfClass.get(labels[i]).add(i);
    }
    INDArray data = embeddings.castTo(DataType.DOUBLE);
    SplittableRandom seeds = new SplittableRandom(seed);
    List<double[]> centroids = new ArrayList<>();
    List<Integer> clusterClass = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    int[] assignment = new int[n];
    for (int c = 0; c < numClasses; c++) {
      long classSeed = seeds.nextLong();
      List<Integer> rows = rowsOfClass.get(c);
      if (rows.isEmpty()) {
        continue;
      }
      int[] rowIds = rows.stream().mapToInt(Integer::intValue).toArray();
      INDArray classData = Nd4j.pullRows(data, 1, rowIds);
      INDArray warm = warmStart(previous, c, k, rowIds.length);
      KMeansResult result = warm != null
          ? KMeans.fit(classData, warm, maxIterations)
          : KMeans.fit(classData, k, classSeed, maxIterations);
      int found = (int) result.centroids().size(0);
      long[] count = new long[found];
      for (int a : result.assignment()) {
        count[a]++;
      }
      // Renumber the non-empty clusters contiguously after those of the classes before.
      int[] renumber = new int[found];
      for (int j = 0; j < found; j++) {
        if (count[j] == 0) {
          renumber[j] = -1;
          continue;
        }
        renumber[j] = centroids.size();
        centroids.add(result.centroids().getRow(j).castTo(DataType.DOUBLE).toDoubleVector());
        clusterClass.add(c);
        sizes.add(count[j]);
      }
      for (int r = 0; r < rowIds.length; r++) {
        assignment[rowIds[r]] = renumber[result.assignment()[r]];
      }
    }
    double[][] rowsArray = Matrices.toDoubleRows(data);
    double[][] centroidArray = centroids.toArray(new double[0][]);
    double within = 0;
    for (int i = 0; i < n; i++) {
      within += Distances.squared(rowsArray[i], centroidArray[assignment[i]]);
    }
    double sigma2 = Math.max(within / (n - 1), Double.MIN_NORMAL);
    ClusterIndex index = ClusterIndex.of(numClasses, centroidArray,
        clusterClass.stream().mapToInt(Integer::intValue).toArray(),
        sizes.stream().mapToLong(Long::longValue).toArray(), sigma2, assignment);
    double[] losses = new ExampleLosses(index, alpha).of(data, assignment);
    double[] lossSum = new double[index.numClusters()];
    for (int i = 0; i < n; i++) {
      lossSum[assignment[i]] += losses[i];
    }
    for (int j = 0; j < lossSum.length; j++) {
      lossSum[j] /= index.clusterSize(j);
    }
    return index.withLosses(lossSum);
  }

  /** The previous centroids of class c when there are as many as this refresh will make. */
  private static INDArray warmStart(ClusterIndex previous, int c, int k, int rows) {
    if (previous == null || c >= previous.numClasses()) {
      return null;
    }
    int[] range = previous.clustersOfClass(c);
    int count = range[1] - range[0];
    if (count == 0 || count != Math.min(k, rows)) {
      return null;
    }
    double[][] warm = new double[count][];
    for (int j = 0; j < count; j++) {
      warm[j] = previous.centroid(range[0] + j);
    }
    return Nd4j.create(warm);
  }
}
