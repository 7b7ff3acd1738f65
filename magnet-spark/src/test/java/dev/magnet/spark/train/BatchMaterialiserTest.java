package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.objective.LabelEncoding;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.Example;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import scala.Tuple2;

class BatchMaterialiserTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  /** 6 clusters (2 per class) of sizes 1..6; each example's single feature is its id. */
  @Test
  void everyBatchHasExactlyMClustersOfDExamplesFromThePlannedClusters() {
    List<Example> examples = new ArrayList<>();
    List<Tuple2<Integer, Long>> members = new ArrayList<>();
    Map<Long, Integer> clusterOf = new HashMap<>();
    long id = 100;
    for (int cluster = 0; cluster < 6; cluster++) {
      for (int i = 0; i <= cluster; i++) {
        examples.add(Example.ofFloats(id, cluster / 2, -1, new float[] {id}));
        members.add(new Tuple2<>(cluster, id));
        clusterOf.put(id, cluster);
        id++;
      }
    }
    JavaPairRDD<Long, Example> byId = spark.parallelize(examples, 3).mapToPair(e -> new Tuple2<>(e.id(), e));
    int[][] plan = {{5, 0, 2}, {1, 3, 4}, {5, 4, 0}, {0, 5, 3}};
    int d = 4;
    List<DataSet> batches;
    try (BatchMaterialiser.Planned planned = BatchMaterialiser.planned(spark, byId, spark.parallelizePairs(members, 2),
        plan, d, 7, LabelEncoding.CLUSTER_AND_CLASS, 6, 3, null)) {
      batches = planned.batches().collect();
    }
    assertEquals(plan.length, batches.size());
    Set<List<Integer>> seenPlans = new HashSet<>();
    for (DataSet batch : batches) {
      assertEquals(3 * d, batch.numExamples());
      float[] ids = batch.getFeatures().reshape(-1).toFloatVector();
      float[][] labels = batch.getLabels().toFloatMatrix();
      List<Integer> clusters = new ArrayList<>();
      for (int slot = 0; slot < 3; slot++) {
        int cluster = (int) labels[slot * d][0];
        clusters.add(cluster);
        Set<Float> distinct = new HashSet<>();
        for (int i = 0; i < d; i++) {
          int row = slot * d + i;
          assertEquals(cluster, (int) labels[row][0], "rows are in slot order");
          assertEquals(cluster / 2, (int) labels[row][1], "the class key is the example's class");
          assertEquals(cluster, clusterOf.get((long) ids[row]), "drawn from the planned cluster");
          distinct.add(ids[row]);
        }
        if (cluster + 1 >= d) {
          assertEquals(d, distinct.size(), "without replacement when the cluster has D members");
        }
      }
      seenPlans.add(clusters);
    }
    Set<List<Integer>> expected = new HashSet<>();
    for (int[] p : plan) {
      expected.add(List.of(p[0], p[1], p[2]));
    }
    assertEquals(expected, seenPlans);
    // Reproducible: the same seed draws the same members.
    List<DataSet> again;
    try (BatchMaterialiser.Planned planned = BatchMaterialiser.planned(spark, byId, spark.parallelizePairs(members, 3),
        plan, d, 7, LabelEncoding.CLUSTER_AND_CLASS, 6, 2, null)) {
      again = planned.batches().collect();
    }
    Set<String> first = new HashSet<>();
    Set<String> second = new HashSet<>();
    batches.forEach(b -> first.add(b.getFeatures().toString()));
    again.forEach(b -> second.add(b.getFeatures().toString()));
    assertEquals(first, second);
  }

  @Test
  void shuffledBatchesUseEveryExampleAtMostOnce() {
    List<Example> examples = new ArrayList<>();
    for (long id = 0; id < 50; id++) {
      examples.add(Example.ofFloats(id, (int) (id % 3), -1, new float[] {id}));
    }
    List<DataSet> batches = BatchMaterialiser.shuffled(spark.parallelize(examples, 3), 8, 6, 3, 1, 2, null).collect();
    assertEquals(6, batches.size());
    Set<Float> seen = new HashSet<>();
    for (DataSet batch : batches) {
      assertEquals(8, batch.numExamples());
      float[] ids = batch.getFeatures().reshape(-1).toFloatVector();
      float[][] labels = batch.getLabels().toFloatMatrix();
      for (int i = 0; i < 8; i++) {
        assertTrue(seen.add(ids[i]), "example " + ids[i] + " twice");
        assertEquals(1f, labels[i][(int) ids[i] % 3]);
      }
    }
  }

  /** Augmentation is applied where each batch is built: seeded, so the same seed gives the same bits. */
  @Test
  void augmentedBatchesAreSeededAndDifferFromThePlainOnes() {
    List<Example> examples = new ArrayList<>();
    java.util.SplittableRandom random = new java.util.SplittableRandom(2);
    for (long id = 0; id < 48; id++) {
      byte[] pixels = new byte[8 * 8];
      random.nextBytes(pixels);
      examples.add(new Example(id, (int) (id % 3), -1, dev.magnet.spark.data.FeatureEncoding.UINT8, pixels));
    }
    dev.magnet.spark.data.image.Augmenter augmenter = dev.magnet.spark.data.image.Augmenter.of(
        dev.magnet.core.data.ImagePreprocessing.of(1, 8, 8)
            .withAugmentation(dev.magnet.core.data.ImagePreprocessing.Augmentation.CROP_FLIP));
    List<DataSet> plain = BatchMaterialiser.shuffled(spark.parallelize(examples, 3), 8, 6, 3, 5, 2, null).collect();
    List<DataSet> a = BatchMaterialiser.shuffled(spark.parallelize(examples, 3), 8, 6, 3, 5, 2, augmenter).collect();
    List<DataSet> b = BatchMaterialiser.shuffled(spark.parallelize(examples, 2), 8, 6, 3, 5, 3, augmenter).collect();
    Set<String> plainFeatures = new HashSet<>();
    Set<String> first = new HashSet<>();
    Set<String> second = new HashSet<>();
    plain.forEach(d -> plainFeatures.add(d.getFeatures().toString()));
    a.forEach(d -> first.add(d.getFeatures().toString()));
    b.forEach(d -> second.add(d.getFeatures().toString()));
    assertEquals(first, second, "the same seed augments alike, however the data is partitioned");
    assertTrue(java.util.Collections.disjoint(plainFeatures, first), "augmented batches differ from the plain ones");
    assertEquals(plain.size(), a.size());
    for (DataSet batch : a) {
      assertEquals(64, batch.getFeatures().columns());
    }
  }
}
