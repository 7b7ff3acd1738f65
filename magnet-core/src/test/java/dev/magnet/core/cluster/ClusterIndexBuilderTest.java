package dev.magnet.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ClusterIndexBuilderTest {
  /** Class c has two tight blobs at (10c, 0) and (10c, 10); 20 points each. */
  private static double[][] blobs(int classes, int[] labels, SplittableRandom random) {
    double[][] rows = new double[labels.length][2];
    for (int i = 0; i < labels.length; i++) {
      int c = i / 40;
      labels[i] = c;
      rows[i][0] = 10 * c + 0.1 * random.nextGaussian();
      rows[i][1] = (i % 2 == 0 ? 0 : 10) + 0.1 * random.nextGaussian();
    }
    return rows;
  }

  @Test
  void buildsPerClassClustersWithSigmaAndLosses() {
    int classes = 3;
    int[] labels = new int[classes * 40];
    double[][] rows = blobs(classes, labels, new SplittableRandom(1));
    ClusterIndex index = ClusterIndexBuilder.build(Nd4j.create(rows), labels, classes, 2, null, 7, 1.0, 50);
    assertEquals(6, index.numClusters());
    for (int c = 0; c < classes; c++) {
      assertEquals(2, index.clusterCountOfClass(c));
    }
    int[] assignment = index.assignment().orElseThrow();
    for (int i = 0; i < rows.length; i++) {
      assertEquals(labels[i], index.clusterClass(assignment[i]), "examples are clustered within their class");
      assertEquals(i % 2 == 0, index.centroid(assignment[i])[1] < 5, "each blob is one cluster");
      assertEquals(20, index.clusterSize(assignment[i]));
    }
    // σ² = Σ‖r−μ‖²/(N−1) ≈ 2 dimensions × 0.01 variance.
    assertEquals(0.02, index.sigma2(), 0.005);
    assertTrue(index.lossesKnown());
    for (int j = 0; j < index.numClusters(); j++) {
      assertEquals(0.0, index.clusterLoss(j), 1e-9, "blobs 10 apart with σ≈0.1 are beyond the margin");
    }
  }

  @Test
  void warmStartKeepsTheClusterOrderOfThePreviousIndex() {
    int[] labels = new int[80];
    double[][] rows = blobs(2, labels, new SplittableRandom(2));
    INDArray data = Nd4j.create(rows);
    ClusterIndex first = ClusterIndexBuilder.build(data, labels, 2, 2, null, 7, 1.0, 50);
    ClusterIndex second = ClusterIndexBuilder.build(data.add(0.01), labels, 2, 2, first, 99, 1.0, 50);
    for (int j = 0; j < first.numClusters(); j++) {
      assertArrayEquals(first.centroid(j), new double[] {second.centroid(j)[0] - 0.01, second.centroid(j)[1] - 0.01}, 1e-6);
    }
  }

  @Test
  void classWithFewerExamplesThanKAndAnEmptyClass() {
    // Class 0: 10 points; class 1: 2 distinct points; class 2: none.
    double[][] rows = new double[12][1];
    int[] labels = new int[12];
    for (int i = 0; i < 10; i++) {
      rows[i][0] = i;
    }
    rows[10][0] = 100;
    rows[11][0] = 101;
    labels[10] = 1;
    labels[11] = 1;
    ClusterIndex index = ClusterIndexBuilder.build(Nd4j.create(rows), labels, 3, 4, null, 3, 1.0, 50);
    assertEquals(4, index.clusterCountOfClass(0));
    assertEquals(2, index.clusterCountOfClass(1));
    assertEquals(0, index.clusterCountOfClass(2));
    assertEquals(12, java.util.Arrays.stream(index.clusterSizes()).sum());
  }

  @Test
  void badInputIsRejected() {
    IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
        () -> ClusterIndexBuilder.build(Nd4j.zeros(3, 2), new int[] {0, 1, 5}, 2, 2, null, 1, 1.0, 10));
    assertEquals("label must be in [0, 2); example 2 has 5", label.getMessage());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> ClusterIndexBuilder.build(Nd4j.zeros(3, 2), new int[] {0, 1}, 2, 2, null, 1, 1.0, 10));
    assertEquals("embeddings must be [2, dimension]; shape=[3, 2]", shape.getMessage());
  }
}
