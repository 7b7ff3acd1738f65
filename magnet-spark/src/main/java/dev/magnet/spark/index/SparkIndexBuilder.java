package dev.magnet.spark.index;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.cluster.ExampleLosses;
import dev.magnet.core.cluster.KMeans;
import dev.magnet.core.cluster.KMeansResult;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.spark.data.EmbeddedExample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.mllib.clustering.KMeansModel;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * Refreshes the cluster index across the executors (docs/design.md, "One epoch, as data flows", step 3).
 *
 * <ol>
 *   <li>Per-class K-means. Classes with at most {@code smallClassLimit} examples are clustered
 *       together in one stage: grouped by class, each class clustered inside one task by the
 *       core's K-means — a thousand small classes are one Spark job, not a thousand. Larger
 *       classes get MLlib's distributed K-means, one job each. Both warm-start from the previous
 *       index's centroids of the class when it has as many.
 *   <li>One pass assigns every example to the nearest centroid of its class and sums cluster
 *       sizes and squared distances: σ² = Σ‖r − μ‖² / (N − 1).
 *   <li>One pass sums every example's full-data Magnet loss per cluster: the clusters' losses,
 *       a chunk of examples per matrix product ({@link ExampleLosses}).
 * </ol>
 *
 * <p>The driver receives only centroids and per-cluster sums; the assignment stays an RDD.
 */
public final class SparkIndexBuilder {
  /** Examples per matrix product in the loss pass: bounds a task's rows held at once. */
  private static final int LOSS_CHUNK_ROWS = 1024;

  private SparkIndexBuilder() {}

  /**
   * The refreshed index (without an in-memory assignment) and the assignment as an RDD of
   * (cluster id, example id), persisted, with the broadcasts in its lineage (a lost partition is
   * recomputed with them); close it where the assignment's use ends (in a finally), which
   * unpersists the assignment and destroys the broadcasts.
   *
   * @param smallClassJobs how many classes went through the grouped stage
   * @param largeClassJobs how many MLlib K-means jobs ran
   */
  public record Refresh(ClusterIndex index, JavaPairRDD<Integer, Long> members, int smallClassJobs, int largeClassJobs,
      List<Broadcast<?>> lineage) implements AutoCloseable {
    @Override
    public void close() {
      members.unpersist(false);
      lineage.forEach(b -> b.destroy(false));
    }
  }

  public static Refresh refresh(JavaSparkContext spark, JavaRDD<EmbeddedExample> embeddings, int numClasses, int k,
      ClusterIndex previous, long seed, double alpha, int maxIterations, long smallClassLimit) {
    return refresh(spark, embeddings, embeddings.map(EmbeddedExample::label).countByValue(), numClasses, k, previous, seed,
        alpha, maxIterations, smallClassLimit);
  }

  /**
   * {@link #refresh} for a caller that knows how many examples of each class {@code embeddings}
   * holds (the trainer counts them once per job): one Spark job fewer per refresh.
   *
   * @param counts examples per class label in {@code embeddings}
   */
  public static Refresh refresh(JavaSparkContext spark, JavaRDD<EmbeddedExample> embeddings, Map<Integer, Long> counts,
      int numClasses, int k, ClusterIndex previous, long seed, double alpha, int maxIterations, long smallClassLimit) {
    for (int label : counts.keySet()) {
      if (label < 0 || label >= numClasses) {
        throw new IllegalArgumentException("label must be in [0, " + numClasses + "); found " + label);
      }
    }
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    if (total < 2) {
      throw new IllegalArgumentException("a cluster index needs at least 2 examples; examples=" + total);
    }
    long[] classSeeds = new SplittableRandom(seed).longs(numClasses).toArray();
    TreeMap<Integer, double[][]> centroidsByClass = new TreeMap<>();
    List<Integer> small = new ArrayList<>();
    List<Integer> large = new ArrayList<>();
    counts.forEach((label, count) -> (count <= smallClassLimit ? small : large).add(label));

    Broadcast<double[][][]> warm = spark.broadcast(warmStarts(previous, numClasses, k, counts));
    try {
      if (!small.isEmpty()) {
        java.util.Set<Integer> smallSet = new java.util.HashSet<>(small);
        List<Tuple2<Integer, double[][]>> clustered = embeddings
            .filter(e -> smallSet.contains(e.label()))
            .mapToPair(e -> new Tuple2<>(e.label(), new Tuple2<>(e.id(), e.embedding())))
            .groupByKey(Math.max(1, Math.min(small.size(), spark.defaultParallelism() * 2)))
            .map(group -> new Tuple2<>(group._1(),
                clusterClass(group._2(), k, warm.value()[group._1()], classSeeds[group._1()], maxIterations)))
            .collect();
        clustered.forEach(t -> centroidsByClass.put(t._1(), t._2()));
      }
      for (int label : large) {
        centroidsByClass.put(label, clusterLargeClass(embeddings, label, k, warm.value()[label], classSeeds[label], maxIterations));
      }
    } finally {
      warm.destroy();
    }

    List<double[]> centroids = new ArrayList<>();
    List<Integer> clusterClass = new ArrayList<>();
    centroidsByClass.forEach((label, rows) -> {
      for (double[] row : rows) {
        centroids.add(row);
        clusterClass.add(label);
      }
    });
    double[][] centroidArray = centroids.toArray(new double[0][]);
    int[] classOfCluster = clusterClass.stream().mapToInt(Integer::intValue).toArray();
    Broadcast<Centroids> shared = spark.broadcast(new Centroids(centroidArray, classOfCluster, numClasses));
    List<Broadcast<?>> lineage = new ArrayList<>(List.of(shared));
    try {
      return assign(spark, embeddings, shared, lineage, centroidArray, classOfCluster, numClasses, total, alpha,
          small.size(), large.size());
    } catch (RuntimeException | Error e) {
      lineage.forEach(b -> b.destroy(false));
      throw e;
    }
  }

  /** The assignment to the centroids in {@code shared} and the index it gives; adds its broadcasts to {@code lineage}. */
  private static Refresh assign(JavaSparkContext spark, JavaRDD<EmbeddedExample> embeddings, Broadcast<Centroids> shared,
      List<Broadcast<?>> lineage, double[][] centroidArray, int[] classOfCluster, int numClasses, long total,
      double alpha, int smallClassJobs, int largeClassJobs) {

    JavaPairRDD<Integer, EmbeddedExample> assigned = embeddings
        .mapToPair(e -> new Tuple2<>(shared.value().nearestOfClass(e.embeddingAsDoubles(), e.label()), e))
        .persist(StorageLevel.MEMORY_AND_DISK());
    int clusters = centroidArray.length;
    double[] sums = PartitionSums.of(assigned
        .mapPartitions(partition -> {
          double[] acc = new double[clusters + 1]; // sizes, then the sum of squared distances
          partition.forEachRemaining(t -> {
            acc[t._1()] += 1;
            acc[clusters] += shared.value().squaredDistance(e(t), t._1());
          });
          return java.util.List.of(acc).iterator();
        }), clusters + 1);
    // `shared` and `renumbering` stay alive: they are in the lineage of the members RDD, whose
    // later jobs serialise those closures again; Refresh.close destroys them.

    // Drop clusters that lost every member to a neighbour (possible after MLlib or a warm start).
    List<Integer> kept = new ArrayList<>();
    for (int j = 0; j < clusters; j++) {
      if (sums[j] > 0) {
        kept.add(j);
      }
    }
    int[] renumber = new int[clusters];
    java.util.Arrays.fill(renumber, -1);
    double[][] keptCentroids = new double[kept.size()][];
    int[] keptClass = new int[kept.size()];
    long[] sizes = new long[kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      int j = kept.get(i);
      renumber[j] = i;
      keptCentroids[i] = centroidArray[j];
      keptClass[i] = classOfCluster[j];
      sizes[i] = Math.round(sums[j]);
    }
    double sigma2 = Math.max(sums[clusters] / (total - 1), Double.MIN_NORMAL);
    ClusterIndex index = ClusterIndex.of(numClasses, keptCentroids, keptClass, sizes, sigma2, null);

    Broadcast<ClusterIndex> broadcastIndex = spark.broadcast(index);
    Broadcast<int[]> renumbering = spark.broadcast(renumber);
    lineage.add(renumbering);
    int keptClusters = kept.size();
    double[] lossSums = PartitionSums.of(assigned
        .mapPartitions(partition -> {
          double[] acc = new double[keptClusters];
          ExampleLosses losses = new ExampleLosses(broadcastIndex.value(), alpha);
          float[][] rows = new float[LOSS_CHUNK_ROWS][];
          int[] own = new int[LOSS_CHUNK_ROWS];
          while (partition.hasNext()) {
            int count = 0;
            while (count < LOSS_CHUNK_ROWS && partition.hasNext()) {
              Tuple2<Integer, EmbeddedExample> t = partition.next();
              own[count] = renumbering.value()[t._1()];
              rows[count++] = t._2().embedding();
            }
            double[] chunk = losses.of(java.util.Arrays.copyOf(rows, count), java.util.Arrays.copyOf(own, count));
            for (int i = 0; i < count; i++) {
              acc[own[i]] += chunk[i];
            }
          }
          return java.util.List.of(acc).iterator();
        }), keptClusters);
    double[] losses = new double[keptClusters];
    for (int j = 0; j < keptClusters; j++) {
      losses[j] = lossSums[j] / sizes[j];
    }
    JavaPairRDD<Integer, Long> members = assigned
        .mapToPair(t -> new Tuple2<>(renumbering.value()[t._1()], t._2().id()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      members.count();
    } finally {
      assigned.unpersist(false);
      broadcastIndex.destroy(false);
    }
    return new Refresh(index.withLosses(losses), members, smallClassJobs, largeClassJobs, List.copyOf(lineage));
  }

  private static double[] e(Tuple2<Integer, EmbeddedExample> t) {
    return t._2().embeddingAsDoubles();
  }

  /** Per class, the previous centroids when there are as many as this refresh will make. */
  private static double[][][] warmStarts(ClusterIndex previous, int numClasses, int k, Map<Integer, Long> counts) {
    double[][][] warm = new double[numClasses][][];
    if (previous == null) {
      return warm;
    }
    for (int c = 0; c < Math.min(numClasses, previous.numClasses()); c++) {
      int[] range = previous.clustersOfClass(c);
      int count = range[1] - range[0];
      long examples = counts.getOrDefault(c, 0L);
      if (count > 0 && count == Math.min(k, examples)) {
        warm[c] = new double[count][];
        for (int j = 0; j < count; j++) {
          warm[c][j] = previous.centroid(range[0] + j);
        }
      }
    }
    return warm;
  }

  /** K-means of one class inside one task; rows sorted by id so the result does not depend on shuffle order. */
  static double[][] clusterClass(Iterable<Tuple2<Long, float[]>> rows, int k, double[][] warm, long seed, int maxIterations) {
    List<Tuple2<Long, float[]>> sorted = new ArrayList<>();
    rows.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(Tuple2::_1));
    float[][] data = new float[sorted.size()][];
    for (int i = 0; i < data.length; i++) {
      data[i] = sorted.get(i)._2();
    }
    INDArray matrix = Nd4j.create(data);
    KMeansResult result = warm != null
        ? KMeans.fit(matrix, Nd4j.create(warm).castTo(matrix.dataType()), maxIterations)
        : KMeans.fit(matrix, k, seed, maxIterations);
    return Matrices.toDoubleRows(result.centroids());
  }

  private static double[][] clusterLargeClass(JavaRDD<EmbeddedExample> embeddings, int label, int k, double[][] warm,
      long seed, int maxIterations) {
    JavaRDD<Vector> vectors = embeddings.filter(e -> e.label() == label)
        .map(e -> Vectors.dense(e.embeddingAsDoubles()))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      org.apache.spark.mllib.clustering.KMeans kmeans = new org.apache.spark.mllib.clustering.KMeans()
          .setK(k).setSeed(seed).setMaxIterations(maxIterations);
      if (warm != null) {
        Vector[] initial = new Vector[warm.length];
        for (int j = 0; j < warm.length; j++) {
          initial[j] = Vectors.dense(warm[j]);
        }
        kmeans.setInitialModel(new KMeansModel(initial));
      }
      KMeansModel model = kmeans.run(vectors.rdd());
      double[][] centroids = new double[model.clusterCenters().length][];
      for (int j = 0; j < centroids.length; j++) {
        centroids[j] = model.clusterCenters()[j].toArray();
      }
      return centroids;
    } finally {
      vectors.unpersist(false);
    }
  }

  /** The centroids broadcast for the assignment pass. */
  static final class Centroids implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double[][] centroids;
    private final int[] start;

    Centroids(double[][] centroids, int[] clusterClass, int numClasses) {
      this.centroids = centroids;
      this.start = new int[numClasses + 1];
      for (int c = 0, j = 0; c <= numClasses; c++) {
        while (j < clusterClass.length && clusterClass[j] < c) {
          j++;
        }
        start[c] = j;
      }
    }

    int nearestOfClass(double[] r, int label) {
      int best = -1;
      double bestDistance = Double.POSITIVE_INFINITY;
      for (int j = start[label]; j < start[label + 1]; j++) {
        double d = squaredDistance(r, j);
        if (d < bestDistance) {
          bestDistance = d;
          best = j;
        }
      }
      return best;
    }

    double squaredDistance(double[] r, int cluster) {
      return dev.magnet.core.distance.Distances.squared(r, centroids[cluster]);
    }
  }
}
