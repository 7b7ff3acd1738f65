package dev.magnet.core.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ClusterClassifierTest {

  // Centroids on a line: 0 (class 0), 2 (class 1), 3 (class 1); σ² = 0.5 so 2σ² = 1.
  private static final INDArray CENTROIDS = Nd4j.create(new double[][] {{0}, {2}, {3}});
  private static final int[] CLASSES = {0, 1, 1};

  @Test
  void probabilitiesMatchTheHandComputedVotes() {
    INDArray query = Nd4j.create(new double[][] {{0.9}});
    // Squared distances 0.81, 1.21, 4.41; weights e^-0.81, e^-1.21, e^-4.41.
    // L = 3: p0 = e^-0.81 / (e^-0.81 + e^-1.21 + e^-4.41) = 1 / (1 + e^-0.4 + e^-3.6) = 0.5890517307371449
    double[] all = new ClusterClassifier(CENTROIDS, CLASSES, 2, 0.5, 3).predictProba(query)[0];
    assertEquals(0.5890517307371449, all[0], 1e-12);
    assertEquals(1 - 0.5890517307371449, all[1], 1e-12);
    // L = 2 drops the centroid at 3: p0 = 1 / (1 + e^-0.4) = 0.598687660112452
    double[] two = new ClusterClassifier(CENTROIDS, CLASSES, 2, 0.5, 2).predictProba(query)[0];
    assertEquals(0.598687660112452, two[0], 1e-12);
  }

  @Test
  void predictionIsTheClassWithTheLargestSumNotTheNearestCentroid() {
    // Centroids 0 (class 0), 2 and 2.2 (class 1), 2σ² = 1, query 0.95: squared distances 0.9025,
    // 1.1025, 1.5625. Class 0: e^-0.9025 = 0.4056; class 1: e^-1.1025 + e^-1.5625 = 0.3320 + 0.2096
    // = 0.5417, so class 1 wins although the nearest centroid (row 0) is class 0.
    INDArray centroids = Nd4j.create(new double[][] {{0}, {2}, {2.2}});
    ClusterClassifier classifier = new ClusterClassifier(centroids, CLASSES, 2, 0.5, 100);
    INDArray queries = Nd4j.create(new double[][] {{0.95}, {2.6}});
    assertArrayEquals(new int[] {1, 1}, classifier.predict(queries));
    assertArrayEquals(new int[] {0, 2}, classifier.nearestCluster(queries));
    assertEquals(0.5416513324957585 / (0.5416513324957585 + 0.4055545050633206),
        classifier.predictProba(queries)[0][1], 1e-12);
  }

  @Test
  void probabilitiesStayFiniteAtHugeDistances() {
    // Query (1000, 0): squared distances 1e6 (class 0 at origin) and 998001 (class 1 at (1, 0)).
    // Plain exp(-d/2000) is e^-500 for both, fine, but with σ² = 1 plain exp underflows to 0/0.
    // Relative to the nearest: p1 = 1 / (1 + e^-(1999/2000)) = 0.730960261306902 for σ² = 1000.
    INDArray centroids = Nd4j.create(new double[][] {{0, 0}, {1, 0}});
    INDArray query = Nd4j.create(new double[][] {{1000, 0}});
    double[] p = new ClusterClassifier(centroids, new int[] {0, 1}, 2, 1000, 2).predictProba(query)[0];
    assertEquals(0.730960261306902, p[1], 1e-9);
    double[] sharp = new ClusterClassifier(centroids, new int[] {0, 1}, 2, 1.0, 2).predictProba(query)[0];
    assertEquals(0.0, sharp[0], 1e-12);
    assertEquals(1.0, sharp[1], 1e-12);
  }

  @Test
  void rejectsBadParameters() {
    assertEquals("sigma2 must be positive and finite; sigma2=0.0",
        assertThrows(IllegalArgumentException.class,
            () -> new ClusterClassifier(CENTROIDS, CLASSES, 2, 0.0, 3)).getMessage());
    assertEquals("centroid classes must be in [0, numClasses); centroidClass[2]=2, numClasses=2",
        assertThrows(IllegalArgumentException.class,
            () -> new ClusterClassifier(CENTROIDS, new int[] {0, 1, 2}, 2, 1.0, 3)).getMessage());
    assertEquals("embedding dimensions differ: 2!=1",
        assertThrows(IllegalArgumentException.class,
            () -> new ClusterClassifier(CENTROIDS, CLASSES, 2, 1.0, 3).predict(Nd4j.zeros(1, 2))).getMessage());
  }
}
