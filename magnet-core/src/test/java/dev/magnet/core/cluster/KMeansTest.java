package dev.magnet.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class KMeansTest {

  private static final double[][] CENTRES = {{0, 0}, {10, 0}, {0, 10}};
  private static final int PER_BLOB = 20;

  /** Three blobs of PER_BLOB points, std 0.3, row i in blob i / PER_BLOB. */
  private static INDArray blobs(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] rows = new double[CENTRES.length * PER_BLOB][2];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < 2; j++) {
        rows[i][j] = CENTRES[i / PER_BLOB][j] + 0.3 * gaussian(random);
      }
    }
    return Nd4j.create(rows);
  }

  private static double gaussian(SplittableRandom random) {
    return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
  }

  /** Every blob maps to one cluster and different blobs to different clusters. */
  private static void assertRecoversBlobs(int[] assignment) {
    Set<Integer> seen = new HashSet<>();
    for (int b = 0; b < CENTRES.length; b++) {
      int cluster = assignment[b * PER_BLOB];
      for (int i = b * PER_BLOB; i < (b + 1) * PER_BLOB; i++) {
        assertEquals(cluster, assignment[i], "row " + i);
      }
      assertTrue(seen.add(cluster), "blob " + b + " shares cluster " + cluster);
    }
  }

  @Test
  void recoversWellSeparatedBlobsUpToPermutation() {
    INDArray data = blobs(1);
    KMeansResult result = KMeans.fit(data, 3, 42, 50);
    assertRecoversBlobs(result.assignment());
    for (int b = 0; b < CENTRES.length; b++) {
      INDArray c = result.centroids().getRow(result.assignment()[b * PER_BLOB]);
      assertEquals(CENTRES[b][0], c.getDouble(0), 0.3);
      assertEquals(CENTRES[b][1], c.getDouble(1), 0.3);
    }
    // 60 points, 2 dims, variance 0.09 each: inertia ≈ 60 * 2 * 0.09 = 10.8, far below a wrong split.
    assertTrue(result.inertia() < 20, "inertia=" + result.inertia());
  }

  @Test
  void sameSeedGivesSameClustering() {
    INDArray data = blobs(2);
    assertArrayEquals(KMeans.fit(data, 3, 7, 50).assignment(), KMeans.fit(data, 3, 7, 50).assignment());
  }

  @Test
  void warmStartFromTrueCentroidsConvergesInAtMostTwoIterations() {
    KMeansResult result = KMeans.fit(blobs(3), Nd4j.create(CENTRES), 50);
    assertTrue(result.iterations() <= 2, "iterations=" + result.iterations());
    assertRecoversBlobs(result.assignment());
    for (int b = 0; b < CENTRES.length; b++) {
      assertEquals(b, result.assignment()[b * PER_BLOB], "warm start keeps centroid order");
    }
  }

  @Test
  void emptyClusterIsReseededFromFarthestPoint() {
    // Blobs at 0 and 10 on a line; the second initial centroid at (100, 100) wins no point, so it
    // is re-seeded from the point farthest from centroid 0 (in the blob at 10) and takes that blob.
    double[][] rows = {{0, 0}, {0.1, 0}, {-0.1, 0}, {10, 0}, {10.1, 0}, {9.9, 0}};
    KMeansResult result = KMeans.fit(Nd4j.create(rows), Nd4j.create(new double[][] {{0, 0}, {100, 100}}), 20);
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, result.assignment());
    assertEquals(10.0, result.centroids().getDouble(1, 0), 1e-9);
    // inertia: 2 * 0.1² per blob = 0.04 in all.
    assertEquals(0.04, result.inertia(), 1e-9);
  }

  @Test
  void fewerDistinctPointsThanKGivesOneClusterPerDistinctPoint() {
    double[][] rows = {{1, 1}, {1, 1}, {5, 5}};
    KMeansResult result = KMeans.fit(Nd4j.create(rows), 5, 11, 10);
    assertEquals(2, result.centroids().rows());
    assertEquals(result.assignment()[0], result.assignment()[1]);
    assertTrue(result.assignment()[0] != result.assignment()[2]);
    assertEquals(0.0, result.inertia(), 1e-12);
  }

  @Test
  void keepsTheDataType() {
    INDArray data = blobs(4).castTo(DataType.FLOAT);
    assertEquals(DataType.FLOAT, KMeans.fit(data, 3, 1, 20).centroids().dataType());
  }

  @Test
  void rejectsBadInputWithRuleAndValue() {
    INDArray data = Nd4j.create(new double[][] {{0, 0}, {1, 1}, {2, Double.NaN}});
    assertEquals("data must be finite; first bad row=2, value=NaN",
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(data, 2, 1, 10)).getMessage());
    INDArray good = Nd4j.create(new double[][] {{0, 0, 0, 0}, {1, 1, 1, 1}});
    assertEquals("k must be positive; k=0",
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(good, 0, 1, 10)).getMessage());
    assertEquals("data must be a 2-D matrix; shape=[4]",
        assertThrows(IllegalArgumentException.class,
            () -> KMeans.fit(Nd4j.create(new double[] {1, 2, 3, 4}), 2, 1, 10)).getMessage());
    assertEquals("initial centroid dimensions differ: 3!=4",
        assertThrows(IllegalArgumentException.class,
            () -> KMeans.fit(good, Nd4j.create(new double[][] {{0, 0, 0}}), 10)).getMessage());
    assertEquals("maxIterations must be positive; maxIterations=0",
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(good, 2, 1, 0)).getMessage());
  }
}
