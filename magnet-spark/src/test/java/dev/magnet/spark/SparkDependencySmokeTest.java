package dev.magnet.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.loss.MagnetLoss;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.mllib.clustering.KMeans;
import org.apache.spark.mllib.clustering.KMeansModel;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Proves the dependency pins of DESIGN.md §4 on a real local[2] Spark: Scala 2.12.18 tasks run
 * on Java 17, Kryo with ND4J's registrator ships INDArrays in broadcasts and closures, ND4J runs
 * inside executors, and MLlib's KMeans (the index builder's engine) works beside DL4J.
 */
class SparkDependencySmokeTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  @Test
  void scalaPinIsTheOneSparkNeedsOnJava17() {
    assertEquals("version 2.12.18", scala.util.Properties.versionString());
  }

  @Test
  void broadcastIndArraysAndNd4jOpsRunInTasks() {
    INDArray weights = Nd4j.create(new float[][] {{1, 0}, {0, 2}});
    Broadcast<INDArray> broadcast = spark.broadcast(weights);
    JavaRDD<float[]> rows = spark.parallelize(List.of(new float[] {1, 1}, new float[] {2, 3}, new float[] {0, 1}), 2);
    List<float[]> out = rows.mapPartitions(partition -> {
      java.util.List<float[]> result = new java.util.ArrayList<>();
      partition.forEachRemaining(r -> result.add(Nd4j.create(new float[][] {r}).mmul(broadcast.value()).toFloatVector()));
      return result.iterator();
    }).collect();
    assertArrayEquals(new float[] {1, 2}, out.get(0));
    assertArrayEquals(new float[] {2, 6}, out.get(1));
    assertArrayEquals(new float[] {0, 2}, out.get(2));
    broadcast.destroy();
  }

  @Test
  void magnetLossRunsOnExecutors() {
    double total = spark.parallelize(Arrays.asList(1, 2, 3, 4), 2).map(seed -> {
      // Two clusters with the same mean: own and impostor distances tie, so every loss is α.
      double[][] r = {{0, 0}, {seed, seed}, {seed, 0}, {0, seed}};
      return Arrays.stream(MagnetLoss.compute(r, new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 1}, 1.0, false).losses()).sum();
    }).reduce(Double::sum);
    assertEquals(4 * 4 * 1.0, total, 1e-9);
  }

  @Test
  void mllibKMeansSeparatesTwoBlobs() {
    JavaRDD<Vector> points = spark.parallelize(List.of(
        Vectors.dense(0, 0), Vectors.dense(0.1, 0), Vectors.dense(10, 10), Vectors.dense(10, 10.1)), 2);
    KMeansModel model = new KMeans().setK(2).setSeed(1).setMaxIterations(10).run(points.rdd());
    assertEquals(model.predict(Vectors.dense(0, 0.05)), model.predict(Vectors.dense(0.1, 0)));
    assertTrue(model.predict(Vectors.dense(0, 0)) != model.predict(Vectors.dense(10, 10)));
  }
}
