package dev.magnet.spark.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.cluster.ClusterIndexBuilder;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.EmbeddedExample;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

class SparkIndexBuilderTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  /** 4 classes × 3 well-separated blobs of 30 points in 4-D. */
  private static List<EmbeddedExample> blobs() {
    SplittableRandom random = new SplittableRandom(3);
    List<EmbeddedExample> rows = new ArrayList<>();
    long id = 0;
    for (int c = 0; c < 4; c++) {
      for (int b = 0; b < 3; b++) {
        for (int i = 0; i < 30; i++) {
          float[] r = new float[4];
          r[0] = 20 * c + (float) (0.2 * random.nextGaussian());
          r[1] = 20 * b + (float) (0.2 * random.nextGaussian());
          r[2] = (float) (0.2 * random.nextGaussian());
          r[3] = (float) (0.2 * random.nextGaussian());
          rows.add(new EmbeddedExample(id++, c, 3 * c + b, r));
        }
      }
    }
    java.util.Collections.shuffle(rows, new java.util.Random(1));
    return rows;
  }

  /** The blobs' index: 4 classes, 3 clusters each, alpha 1, at most 50 Lloyd iterations. */
  private static SparkIndexBuilder.Refresh refresh(List<EmbeddedExample> rows, int partitions, ClusterIndex previous,
      long seed, long smallClassLimit) {
    return SparkIndexBuilder.refresh(spark, spark.parallelize(rows, partitions), 4, 3, previous, seed, 1.0, 50,
        smallClassLimit);
  }

  /** The clusters as sets of example ids: comparable up to a permutation of cluster ids. */
  private static Set<Set<Long>> partition(Map<Long, Integer> assignment) {
    Map<Integer, Set<Long>> clusters = new HashMap<>();
    assignment.forEach((id, cluster) -> clusters.computeIfAbsent(cluster, c -> new HashSet<>()).add(id));
    return new HashSet<>(clusters.values());
  }

  @ParameterizedTest(name = "smallClassLimit={0}")
  @ValueSource(longs = {1_000_000, 1})
  void matchesTheSingleJvmIndexUpToPermutation(long smallClassLimit) {
    List<EmbeddedExample> rows = blobs();
    SparkIndexBuilder.Refresh refresh = refresh(rows, 3, null, 11, smallClassLimit);
    boolean grouped = smallClassLimit > 1000;
    assertEquals(grouped ? 4 : 0, refresh.smallClassJobs());
    assertEquals(grouped ? 0 : 4, refresh.largeClassJobs());

    float[][] data = new float[rows.size()][];
    int[] labels = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      data[i] = rows.get(i).embedding();
      labels[i] = rows.get(i).label();
    }
    ClusterIndex local = ClusterIndexBuilder.build(Nd4j.create(data), labels, 4, 3, null, 11, 1.0, 50);
    Map<Long, Integer> localAssignment = new HashMap<>();
    int[] assignment = local.assignment().orElseThrow();
    for (int i = 0; i < rows.size(); i++) {
      localAssignment.put(rows.get(i).id(), assignment[i]);
    }
    Map<Long, Integer> sparkAssignment = new HashMap<>();
    for (Tuple2<Integer, Long> t : refresh.members().collect()) {
      sparkAssignment.put(t._2(), t._1());
    }
    assertEquals(partition(localAssignment), partition(sparkAssignment));
    ClusterIndex index = refresh.index();
    assertEquals(12, index.numClusters());
    assertEquals(local.sigma2(), index.sigma2(), 1e-9 * local.sigma2() + 1e-12);
    for (int j = 0; j < 12; j++) {
      assertEquals(30, index.clusterSize(j));
      assertEquals(0.0, index.clusterLoss(j), 1e-9, "blobs 20 apart are beyond the margin");
    }
    // Every blob (fine label) is exactly one cluster.
    Map<Long, Integer> fineOf = new HashMap<>();
    rows.forEach(r -> fineOf.put(r.id(), r.fineLabel()));
    for (Set<Long> cluster : partition(sparkAssignment)) {
      assertEquals(1, cluster.stream().map(fineOf::get).distinct().count());
    }
    refresh.close();
  }

  @ParameterizedTest(name = "smallClassLimit={0}")
  @ValueSource(longs = {1_000_000, 1})
  void warmStartFromThePreviousIndexKeepsClusterOrder(long smallClassLimit) {
    List<EmbeddedExample> rows = blobs();
    SparkIndexBuilder.Refresh first = refresh(rows, 3, null, 5, smallClassLimit);
    SparkIndexBuilder.Refresh second = refresh(rows, 2, first.index(), 99, smallClassLimit);
    for (int j = 0; j < 12; j++) {
      double[] a = first.index().centroid(j);
      double[] b = second.index().centroid(j);
      for (int e = 0; e < a.length; e++) {
        assertEquals(a[e], b[e], 1e-6, "centroid " + j);
      }
    }
    assertTrue(second.index().lossesKnown());
    first.close();
    second.close();
  }
}
