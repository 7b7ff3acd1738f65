package dev.magnet.core.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExampleLossesTest {
  /**
   * Many small classes (class c has c % 3 + 1 clusters, every fourth class none), points near
   * their own centroid, so that some losses are clamped at zero and others are not.
   */
  private static ClusterIndex manyClasses(int classes, int dimension, double sigma2, SplittableRandom random) {
    int clusters = 0;
    for (int c = 0; c < classes; c++) {
      clusters += c % 4 == 3 ? 0 : c % 3 + 1;
    }
    double[][] centroids = new double[clusters][dimension];
    int[] clusterClass = new int[clusters];
    long[] sizes = new long[clusters];
    for (int c = 0, j = 0; c < classes; c++) {
      for (int m = 0; m < (c % 4 == 3 ? 0 : c % 3 + 1); m++, j++) {
        for (int e = 0; e < dimension; e++) {
          centroids[j][e] = random.nextGaussian();
        }
        clusterClass[j] = c;
        sizes[j] = 1;
      }
    }
    return ClusterIndex.of(classes, centroids, clusterClass, sizes, sigma2, null);
  }

  private static float[][] nearOwnCentroid(ClusterIndex index, int[] own, double spread, SplittableRandom random) {
    float[][] rows = new float[own.length][index.dimension()];
    for (int i = 0; i < own.length; i++) {
      own[i] = random.nextInt(index.numClusters());
      double[] centroid = index.centroid(own[i]);
      for (int e = 0; e < rows[i].length; e++) {
        rows[i][e] = (float) (centroid[e] + spread * random.nextGaussian());
      }
    }
    return rows;
  }

  @Test
  void agreesWithThePerExampleLossOverManyBlocksAndClasses() {
    SplittableRandom random = new SplittableRandom(7);
    int positive = 0;
    int zero = 0;
    for (double sigma2 : new double[] {0.05, 0.5, 5.0}) {
      ClusterIndex index = manyClasses(200, 16, sigma2, random);
      int[] own = new int[700]; // several blocks of rows
      float[][] rows = nearOwnCentroid(index, own, 1.0, random);
      double[] batched = new ExampleLosses(index, 1.0).of(rows, own);
      for (int i = 0; i < rows.length; i++) {
        double[] row = new double[rows[i].length];
        for (int e = 0; e < row.length; e++) {
          row[e] = rows[i][e];
        }
        double expected = index.exampleLoss(row, own[i], 1.0);
        assertEquals(expected, batched[i], 1e-9 * Math.max(1.0, expected), "example " + i + ", sigma2 " + sigma2);
        positive += expected > 0 ? 1 : 0;
        zero += expected == 0 ? 1 : 0;
      }
    }
    assertTrue(positive > 100 && zero > 100, "the data should give clamped and positive losses; positive="
        + positive + ", zero=" + zero);
  }

  @Test
  void isZeroWhenNoOtherClassHasAClusterAndChecksItsArguments() {
    ClusterIndex oneClass = ClusterIndex.of(3, new double[][] {{0, 0}, {1, 1}}, new int[] {1, 1}, new long[] {1, 1},
        0.5, null);
    ExampleLosses losses = new ExampleLosses(oneClass, 1.0);
    double[] values = losses.of(new float[][] {{0, 0}, {5, 5}}, new int[] {0, 1});
    assertEquals(0.0, values[0]);
    assertEquals(0.0, values[1]);
    assertEquals(0, losses.of(new float[0][], new int[0]).length);
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
        () -> losses.of(new float[][] {{0, 0}}, new int[] {0, 1}));
    assertEquals("one cluster per example is needed; examples=1, clusters=2", mismatch.getMessage());
    IllegalArgumentException dimension = assertThrows(IllegalArgumentException.class,
        () -> losses.of(new float[][] {{0, 0, 0}}, new int[] {0}));
    assertEquals("embedding dimensions differ: 3!=2", dimension.getMessage());
  }
}
