package dev.magnet.core.distance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DistancesTest {

  private static double[][] random(int rows, int cols, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int j = 0; j < cols; j++) {
        row[j] = random.nextDouble(-3, 3);
      }
    }
    return m;
  }

  /** Plain-loop reference: Σ_j (q_j − r_j)². */
  private static double[][] loopDistances(double[][] q, double[][] r) {
    double[][] d = new double[q.length][r.length];
    for (int i = 0; i < q.length; i++) {
      for (int k = 0; k < r.length; k++) {
        for (int j = 0; j < q[i].length; j++) {
          d[i][k] += (q[i][j] - r[k][j]) * (q[i][j] - r[k][j]);
        }
      }
    }
    return d;
  }

  @Test
  void blockedEqualsUnblockedAndPlainLoopForOddBlockSizes() {
    double[][] q = random(11, 5, 1);
    double[][] r = random(13, 5, 2);
    double[][] expected = loopDistances(q, r);
    double[][] unblocked = Distances.squaredDistances(Nd4j.create(q), Nd4j.create(r), q.length);
    for (int blockRows : new int[] {1, 3, 7}) {
      double[][] blocked = Distances.squaredDistances(Nd4j.create(q), Nd4j.create(r), blockRows);
      for (int i = 0; i < q.length; i++) {
        assertArrayEquals(unblocked[i], blocked[i], 0.0, "blockRows=" + blockRows + " row " + i);
        assertArrayEquals(expected[i], blocked[i], 1e-9, "blockRows=" + blockRows + " row " + i);
      }
    }
  }

  @Test
  void coincidentLargePointsAreClampedToZero() {
    // ||x||² ≈ 3e8 in float: the expansion cancels to rounding noise that may be negative.
    INDArray x = Nd4j.create(new float[][] {{12345.678f, -9876.543f, 4444.4f}}).castTo(DataType.FLOAT);
    double d = Distances.squaredDistances(x, x)[0][0];
    assertEquals(0.0, d, 1e-3);
    assertEquals(true, d >= 0, "d=" + d);
  }

  @Test
  void topKOrdersByDistanceThenIndexAndSkipsTheExcludedRow() {
    double[] row = {3, 1, 2, 1, 0};
    // sorted: 4 (0), 1 (1), 3 (1, tie after index 1), 2 (2), 0 (3); excluding 4 leaves 1, 3, 2.
    assertArrayEquals(new int[] {1, 3, 2}, Distances.topK(row, 3, 4));
    assertArrayEquals(new int[] {4, 1, 3, 2, 0}, Distances.topK(row, 10, -1));
  }

  @Test
  void topKIsThePrefixOfAFullSortByDistanceThenIndex() {
    java.util.Random random = new java.util.Random(11);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + random.nextInt(40);
      double[] row = new double[n];
      for (int j = 0; j < n; j++) {
        row[j] = random.nextInt(6); // few values: many ties
      }
      int k = 1 + random.nextInt(n + 2);
      int excluded = random.nextInt(n + 1) - 1;
      int[] expected = java.util.stream.IntStream.range(0, n).filter(j -> j != excluded).boxed()
          .sorted(java.util.Comparator.<Integer>comparingDouble(j -> row[j]).thenComparing(j -> j))
          .limit(k).mapToInt(Integer::intValue).toArray();
      assertArrayEquals(expected, Distances.topK(row, k, excluded), "trial " + trial);
    }
  }

  @Test
  void leaveOneOutNeverReturnsTheQueryItself() {
    INDArray x = Nd4j.create(new double[][] {{0}, {1}, {3}});
    Neighbours nb = Distances.nearest(x, x, 5, true, 2);
    // 0 → 1 (1), 2 (9); 1 → 0 (1), 2 (4); 3 → 1 (4), 0 (9)
    assertArrayEquals(new int[] {1, 2}, nb.indices()[0]);
    assertArrayEquals(new int[] {0, 2}, nb.indices()[1]);
    assertArrayEquals(new int[] {1, 0}, nb.indices()[2]);
    assertArrayEquals(new double[] {4, 9}, nb.squaredDistances()[2], 1e-12);
  }

  @Test
  void dimensionMismatchHasOneMessage() {
    INDArray a = Nd4j.zeros(2, 128);
    INDArray b = Nd4j.zeros(3, 64);
    assertEquals("embedding dimensions differ: 128!=64",
        assertThrows(IllegalArgumentException.class, () -> Distances.squaredDistances(a, b)).getMessage());
    assertEquals("blockRows must be positive; blockRows=0",
        assertThrows(IllegalArgumentException.class, () -> Distances.squaredDistances(a, a, 0)).getMessage());
  }

  /**
   * A search frees what it made from the rows (their double copy, the squared norms) but never the
   * caller's rows, double or not: they stay usable for the next search.
   */
  @Test
  void aSearchLeavesTheCallersRowsOpenAndGivesTheSameAnswerTwice() {
    double[][] refs = random(9, 3, 11);
    double[][] queries = random(5, 3, 12);
    for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      INDArray r = Nd4j.create(refs).castTo(type);
      INDArray q = Nd4j.create(queries).castTo(type);
      double[][] first = Distances.squaredDistances(q, r, 2);
      double[][] second = Distances.squaredDistances(q, r, 2);
      assertEquals(false, r.wasClosed() || q.wasClosed(), type + " rows closed");
      for (int i = 0; i < first.length; i++) {
        assertArrayEquals(first[i], second[i], 0.0);
      }
    }
  }
}
