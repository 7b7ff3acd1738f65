package dev.magnet.core.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.cluster.ClusterIndexBuilder;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.nn.Head;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.core.sampling.Neighbourhood;
import dev.magnet.core.sampling.NeighbourhoodSampler;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ObjectiveTest {
  private static final MagnetParams DEFAULTS = MagnetParams.defaults();

  @Test
  void eachLossHasItsOwnObjectiveHeadSamplingAndClassifier() {
    for (LossKind kind : LossKind.values()) {
      assertEquals(kind, Objective.of(DEFAULTS.withLoss(kind)).kind());
    }
    Objective magnet = Objective.of(DEFAULTS);
    Objective softmax = Objective.of(DEFAULTS.withLoss(LossKind.SOFTMAX));
    Objective triplet = Objective.of(DEFAULTS.withLoss(LossKind.TRIPLET));
    assertEquals(BatchSampling.NEIGHBOURHOODS, magnet.sampling());
    assertEquals(BatchSampling.SHUFFLED, softmax.sampling());
    assertEquals(BatchSampling.CLASSES, triplet.sampling());
    assertFalse(((Head.Embedding) magnet.head(3)).unitLength(), "the paper's embedding is not normalised");
    assertTrue(((Head.Embedding) triplet.head(3)).unitLength(), "the triplet margin acts on unit length");
    assertEquals(3, ((Head.Softmax) softmax.head(3)).numClasses());
    assertEquals(Metric.CLUSTER_ACCURACY, magnet.classifier().metric());
    assertEquals(Metric.ARGMAX_ACCURACY, softmax.classifier().metric());
    assertEquals(Metric.KNN1_ACCURACY, triplet.classifier().metric());
    assertTrue(softmax.predictsClasses());
    assertFalse(magnet.predictsClasses() || triplet.predictsClasses());
  }

  @Test
  void aClassNeedsWhatTheLossDrawsOfIt() {
    assertEquals(4, Objective.of(DEFAULTS).minExamplesPerClass(), "Magnet: one cluster's D draws");
    assertEquals(6, Objective.of(DEFAULTS.withClusters(8, 12, 6)).minExamplesPerClass());
    assertEquals(2, Objective.of(DEFAULTS.withLoss(LossKind.TRIPLET)).minExamplesPerClass(), "a positive pair");
    assertEquals(1, Objective.of(DEFAULTS.withLoss(LossKind.SOFTMAX)).minExamplesPerClass());
  }

  @Test
  void tripletBatchesArePClassesTimesKWithPLimitedToEligibleClasses() {
    Objective triplet = Objective.of(DEFAULTS.withLoss(LossKind.TRIPLET));
    // M=12, D=4: 48 rows; 3 classes with two or more examples give P=3, K=16; class 7 has one example.
    Map<Integer, Long> counts = Map.of(0, 10L, 1, 20L, 2, 2L, 7, 1L);
    assertEquals(48, triplet.rowsPerBatch(counts));
    GroupPlanner planner = triplet.planner(null, counts);
    assertEquals(16, planner.draws());
    int[][] plan = planner.plan(50, new SplittableRandom(3));
    for (int[] groups : plan) {
      assertEquals(3, groups.length);
      assertTrue(List.of(0, 1, 2).containsAll(java.util.Arrays.stream(groups).boxed().toList()));
    }
    assertArrayEquals(plan, planner.plan(50, new SplittableRandom(3)), "reproducible from the random state");
    assertEquals("triplet batches need two classes with at least 2 examples; classes=1",
        assertThrows(IllegalArgumentException.class, () -> triplet.checkData(Map.of(0, 5L, 1, 1L), 2)).getMessage());
  }

  @Test
  void magnetPlansAreTheNeighbourhoodSamplersAndItsDataCheckCountsImpostors() {
    Nd4j.getRandom().setSeed(5);
    INDArray embeddings = Nd4j.rand(DataType.DOUBLE, 60, 4);
    int[] labels = new int[60];
    java.util.Arrays.setAll(labels, i -> i % 3);
    ClusterIndex index = ClusterIndexBuilder.build(embeddings, labels, 3, 4, null, 1, 1.0, 10);
    MagnetParams params = DEFAULTS.withClusters(4, 6, 2);
    GroupPlanner planner = Objective.of(params).planner(index, Map.of());
    List<Neighbourhood> expected = new NeighbourhoodSampler(index, 6, 2).plan(20, new SplittableRandom(9));
    int[][] plan = planner.plan(20, new SplittableRandom(9));
    for (int b = 0; b < plan.length; b++) {
      assertArrayEquals(expected.get(b).clusters(), plan[b]);
    }
    assertEquals(2, planner.draws());
    assertEquals(12, Objective.of(params).rowsPerBatch(Map.of()));
    // 2 classes with K=4 give 4 impostor clusters; M=6 needs 5.
    assertEquals("M-1 impostor clusters are needed but 2 classes with examples and K=4 give at most 4; M=6",
        assertThrows(IllegalArgumentException.class, () -> Objective.of(params).checkData(Map.of(0, 9L, 1, 9L), 2))
            .getMessage());
    assertEquals("label must be in [0, 2); found 2",
        assertThrows(IllegalArgumentException.class, () -> Objective.of(params).checkData(Map.of(2, 9L), 2))
            .getMessage());
  }

  @Test
  void magnetRefusesDataWhereEveryExampleWouldBeItsOwnCluster() {
    MagnetParams params = DEFAULTS.withClusters(8, 6, 2);
    Map<Integer, Long> fivePerClass = new java.util.HashMap<>();
    for (int c = 0; c < 20; c++) {
      fivePerClass.put(c, 5L);
    }
    assertEquals("every class has at most K=8 examples (the largest has 5), so each example would be a cluster of its"
        + " own, σ² 0 and the Magnet loss 0 for every batch; choose K below the class sizes",
        assertThrows(IllegalArgumentException.class, () -> Objective.of(params).checkData(fivePerClass, 20)).getMessage());
    fivePerClass.put(3, 9L); // one class with more than K examples gives a cluster with spread
    Objective.of(params).checkData(fivePerClass, 20);
    Objective.of(DEFAULTS.withClusters(2, 6, 2)).checkData(Map.of(0, 5L, 1, 5L, 2, 5L, 3, 5L), 4);
  }

  @Test
  void labelEncodingsMatchTheLossesOwnLabels() {
    int[] groups = {4, 4, 9};
    int[] classes = {0, 0, 2};
    assertEquals(Nd4j.create(new float[][] {{4, 0}, {4, 0}, {9, 2}}),
        LabelEncoding.CLUSTER_AND_CLASS.encode(groups, classes, 3, DataType.FLOAT));
    assertEquals(Nd4j.create(new float[][] {{0}, {0}, {2}}), LabelEncoding.CLASS.encode(groups, classes, 3, DataType.FLOAT));
    assertEquals(Nd4j.create(new float[][] {{1, 0, 0}, {1, 0, 0}, {0, 0, 1}}),
        LabelEncoding.ONE_HOT.encode(groups, classes, 3, DataType.FLOAT));
  }
}
