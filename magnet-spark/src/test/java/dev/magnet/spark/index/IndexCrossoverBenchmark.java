package dev.magnet.spark.index;

import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.EmbeddedExample;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Measures where clustering classes together in one grouped stage stops beating one MLlib
 * K-means job per class: times {@link SparkIndexBuilder#refresh} both ways on random 64-d
 * embeddings of C classes × n examples, in local[2]. Not a test: a benchmark to run by hand,
 * {@code java ... dev.magnet.spark.index.IndexCrossoverBenchmark}; prints one line per case.
 */
public final class IndexCrossoverBenchmark {
  private static final int DIMENSION = 64;
  private static final int K = 8;

  private IndexCrossoverBenchmark() {}

  public static void main(String[] args) {
    JavaSparkContext spark = SparkTestSession.benchmarkContext("index-crossover");
    int[][] cases = {{2, 20000}, {10, 4000}, {50, 800}};
    System.out.println("classes  per-class  grouped-s  mllib-s  (K=" + K + ", " + DIMENSION + "-d, local[2])");
    for (int[] c : cases) {
      JavaRDD<EmbeddedExample> data = spark.parallelize(random(c[0], c[1]), 4).persist(StorageLevel.MEMORY_ONLY());
      data.count();
      time(spark, data, c[0], Long.MAX_VALUE); // warm-up of both code paths' classes and JIT
      double grouped = time(spark, data, c[0], Long.MAX_VALUE);
      double mllib = time(spark, data, c[0], 1);
      System.out.printf("%7d  %9d  %9.2f  %7.2f%n", c[0], c[1], grouped, mllib);
      data.unpersist();
    }
    spark.stop();
  }

  private static double time(JavaSparkContext spark, JavaRDD<EmbeddedExample> data, int classes, long smallClassLimit) {
    long start = System.nanoTime();
    SparkIndexBuilder.Refresh refresh = SparkIndexBuilder.refresh(spark, data, classes, K, null, 1, 1.0, 20, smallClassLimit);
    refresh.close();
    return (System.nanoTime() - start) / 1e9;
  }

  private static List<EmbeddedExample> random(int classes, int perClass) {
    SplittableRandom random = new SplittableRandom(7);
    List<EmbeddedExample> rows = new ArrayList<>(classes * perClass);
    long id = 0;
    for (int c = 0; c < classes; c++) {
      for (int i = 0; i < perClass; i++) {
        float[] r = new float[DIMENSION];
        for (int e = 0; e < DIMENSION; e++) {
          r[e] = (float) random.nextGaussian();
        }
        rows.add(new EmbeddedExample(id++, c, -1, r));
      }
    }
    return rows;
  }
}
