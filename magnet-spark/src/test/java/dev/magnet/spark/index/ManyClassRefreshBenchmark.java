package dev.magnet.spark.index;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.cluster.ExampleLosses;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.EmbeddedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The index refresh with many small classes (8 examples, 2 clusters each), where the loss pass
 * touches every (example, cluster) pair: times one whole {@link SparkIndexBuilder#refresh}, then
 * the loss pass over the refreshed index both ways on the same data in the same JVM — the
 * per-example loop ({@link ClusterIndex#exampleLoss}, what the refresh did before) against
 * {@link ExampleLosses} — and checks that their cluster losses agree. Not a test: run by hand
 * (docs/benchmarks.md, "Index refresh with many classes"); prints one line per case.
 */
public final class ManyClassRefreshBenchmark {
  private static final int DIMENSION = 64;
  /** Two clusters of four per class: with a cluster per example σ² would be 0 and every loss 0. */
  private static final int K = 2;
  private static final int PER_CLASS = 8;
  private static final double ALPHA = 1.0;
  /** Spread of a class around its centre, against centres spread 1: classes overlap, so losses are not all 0. */
  private static final double NOISE = 1.0;

  private ManyClassRefreshBenchmark() {}

  public static void main(String[] args) {
    JavaSparkContext spark = SparkTestSession.benchmarkContext("many-class-refresh");
    int[] classCounts = args.length > 0 ? java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
        : new int[] {2_000, 6_000};
    System.out.println("classes  examples  clusters  refresh-s  loss-loop-s  loss-batched-s  ratio  max-rel-diff  mean-loss"
        + "  (K=" + K + ", " + DIMENSION + "-d, local[2])");
    for (int classes : classCounts) {
      JavaRDD<EmbeddedExample> data = spark.parallelize(clustered(classes), 4).persist(StorageLevel.MEMORY_ONLY());
      long examples = data.count();
      long start = System.nanoTime();
      SparkIndexBuilder.Refresh refresh = SparkIndexBuilder.refresh(spark, data, classes, K, null, 1, ALPHA, 20, Long.MAX_VALUE);
      double refreshSeconds = (System.nanoTime() - start) / 1e9;
      ClusterIndex index = refresh.index();
      Broadcast<ClusterIndex> shared = spark.broadcast(index);
      JavaRDD<Tuple> rows = refresh.members().mapToPair(t -> new Tuple2<>(t._2(), t._1()))
          .join(data.mapToPair(e -> new Tuple2<>(e.id(), e.embedding())))
          .values().map(t -> new Tuple(t._1(), t._2()))
          .persist(StorageLevel.MEMORY_ONLY());
      rows.count();
      long loopStart = System.nanoTime();
      double[] loop = PartitionSums.of(rows.mapPartitions(partition -> {
        double[] acc = new double[shared.value().numClusters()];
        partition.forEachRemaining(t -> acc[t.cluster] += shared.value().exampleLoss(doubles(t.embedding), t.cluster, ALPHA));
        return List.of(acc).iterator();
      }), index.numClusters());
      double loopSeconds = (System.nanoTime() - loopStart) / 1e9;
      long batchedStart = System.nanoTime();
      double[] batched = PartitionSums.of(rows.mapPartitions(partition -> {
        double[] acc = new double[shared.value().numClusters()];
        List<Tuple> all = new ArrayList<>();
        partition.forEachRemaining(all::add);
        float[][] embeddings = new float[all.size()][];
        int[] own = new int[all.size()];
        for (int i = 0; i < own.length; i++) {
          embeddings[i] = all.get(i).embedding;
          own[i] = all.get(i).cluster;
        }
        double[] losses = new ExampleLosses(shared.value(), ALPHA).of(embeddings, own);
        for (int i = 0; i < own.length; i++) {
          acc[own[i]] += losses[i];
        }
        return List.of(acc).iterator();
      }), index.numClusters());
      double batchedSeconds = (System.nanoTime() - batchedStart) / 1e9;
      double maxRelative = 0;
      for (int j = 0; j < loop.length; j++) {
        maxRelative = Math.max(maxRelative, Math.abs(loop[j] - batched[j]) / Math.max(1.0, Math.abs(loop[j])));
      }
      System.out.printf("%7d  %8d  %8d  %9.1f  %11.1f  %14.1f  %5.1f  %12.1e  %9.4f%n", classes, examples,
          index.numClusters(), refreshSeconds, loopSeconds, batchedSeconds, loopSeconds / batchedSeconds, maxRelative,
          java.util.Arrays.stream(loop).sum() / examples);
      shared.destroy();
      rows.unpersist();
      refresh.close();
      data.unpersist();
    }
    spark.stop();
  }

  /** An example's cluster and embedding. */
  static final class Tuple implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final int cluster;
    final float[] embedding;

    Tuple(int cluster, float[] embedding) {
      this.cluster = cluster;
      this.embedding = embedding;
    }
  }

  private static double[] doubles(float[] row) {
    double[] d = new double[row.length];
    for (int e = 0; e < d.length; e++) {
      d[e] = row[e];
    }
    return d;
  }

  /** {@link #PER_CLASS} examples per class around a random class centre, unit-length like Magnet's embeddings. */
  private static List<EmbeddedExample> clustered(int classes) {
    SplittableRandom random = new SplittableRandom(7);
    List<EmbeddedExample> rows = new ArrayList<>(classes * PER_CLASS);
    long id = 0;
    for (int c = 0; c < classes; c++) {
      double[] centre = new double[DIMENSION];
      for (int e = 0; e < DIMENSION; e++) {
        centre[e] = random.nextGaussian();
      }
      for (int i = 0; i < PER_CLASS; i++) {
        float[] r = new float[DIMENSION];
        double norm = 0;
        for (int e = 0; e < DIMENSION; e++) {
          double v = centre[e] + NOISE * random.nextGaussian();
          r[e] = (float) v;
          norm += v * v;
        }
        for (int e = 0; e < DIMENSION; e++) {
          r[e] = (float) (r[e] / Math.sqrt(norm));
        }
        rows.add(new EmbeddedExample(id++, c, -1, r));
      }
    }
    return rows;
  }
}
