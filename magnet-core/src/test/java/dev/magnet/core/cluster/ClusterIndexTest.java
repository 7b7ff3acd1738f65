package dev.magnet.core.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClusterIndexTest {
  /** Clusters on a line at x = 0, 1 (class 0), 3 (class 1), 7, 8 (class 3); class 2 has none. */
  private static ClusterIndex line() {
    double[][] centroids = {{0}, {1}, {3}, {7}, {8}};
    return ClusterIndex.of(4, centroids, new int[] {0, 0, 1, 3, 3}, new long[] {2, 1, 1, 1, 2}, 0.5,
        new int[] {0, 1, 0, 2, 3, 4, 4});
  }

  @Test
  void exposesClassRangesIncludingAClassWithoutClusters() {
    ClusterIndex index = line();
    assertArrayEquals(new int[] {0, 2}, index.clustersOfClass(0));
    assertArrayEquals(new int[] {2, 3}, index.clustersOfClass(1));
    assertEquals(0, index.clusterCountOfClass(2));
    assertArrayEquals(new int[] {3, 5}, index.clustersOfClass(3));
    assertEquals(3, index.minImpostorsAvailable()); // classes 0 and 3 see 3 others, class 1 sees 4
  }

  @Test
  void nearestImpostorsAreTheNearestClustersOfOtherClassesInOrder() {
    ClusterIndex index = line();
    assertArrayEquals(new int[] {2, 3, 4}, index.nearestImpostors(1, 3)); // from x=1: 3, 7, 8
    assertArrayEquals(new int[] {1, 0}, index.nearestImpostors(2, 2)); // from x=3: 1 (d=2) then 0 (d=3)
    assertArrayEquals(new int[] {2}, index.nearestImpostors(3, 1));
    IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> index.nearestImpostors(0, 4));
    assertEquals("impostor count must be in [0, 3] (clusters of classes other than class 0); count=4", tooMany.getMessage());
  }

  @Test
  void exampleLossIsTheFullDataMagnetLoss() {
    ClusterIndex index = line();
    // r = 0.5, own cluster 0 (x=0), σ² = 0.5 → s = 1: ℓ = 0.25 + α + log(e^-6.25 + e^-42.25 + e^-56.25)
    double expected = 0.25 + 1.0 + Math.log(Math.exp(-6.25) + Math.exp(-42.25) + Math.exp(-56.25));
    assertEquals(Math.max(0, expected), index.exampleLoss(new double[] {0.5}, 0, 1.0), 1e-12);
    // An impostor: r = 3 labelled class 0, own cluster 1 (x=1): ℓ = 4 + 1 + log(e^0 + e^-16 + e^-25)
    assertEquals(5 + Math.log(1 + Math.exp(-16) + Math.exp(-25)), index.exampleLoss(new double[] {3}, 1, 1.0), 1e-12);
    // Far away (norm 1e4) it stays finite.
    assertTrue(Double.isFinite(index.exampleLoss(new double[] {1e4}, 0, 1.0)));
    assertEquals(3, index.nearestClusterOfClass(new double[] {6}, 3));
    assertEquals(-1, index.nearestClusterOfClass(new double[] {6}, 2));
  }

  @Test
  void withLossesKeepsEverythingElse() {
    ClusterIndex index = line();
    assertFalse(index.lossesKnown());
    assertTrue(Double.isNaN(index.clusterLoss(0)));
    ClusterIndex withLosses = index.withLosses(new double[] {0, 1, 2, 3, 4});
    assertTrue(withLosses.lossesKnown());
    assertEquals(3.0, withLosses.clusterLoss(3));
    assertArrayEquals(index.assignment().orElseThrow(), withLosses.assignment().orElseThrow());
    assertEquals(index.sigma2(), withLosses.sigma2());
  }

  @Test
  void isImmutable() {
    double[][] centroids = {{0}, {1}};
    int[] classes = {0, 1};
    ClusterIndex index = ClusterIndex.of(2, centroids, classes, new long[] {1, 1}, 1.0, null);
    centroids[0][0] = 99;
    classes[0] = 1;
    index.centroid(1)[0] = 42;
    index.centroids()[1][0] = 42;
    assertEquals(0.0, index.centroid(0)[0]);
    assertEquals(1.0, index.centroid(1)[0]);
    assertEquals(0, index.clusterClass(0));
    assertTrue(index.assignment().isEmpty());
  }

  @Test
  void constructionFailsWithTheRuleAndTheValue() {
    assertMessage("numClasses must be positive; numClasses=0",
        () -> ClusterIndex.of(0, new double[][] {{0}}, new int[] {0}, new long[] {1}, 1, null));
    assertMessage("a cluster index needs at least one cluster; clusters=0",
        () -> ClusterIndex.of(1, new double[0][], new int[0], new long[0], 1, null));
    assertMessage("embedding dimensions differ: 1!=2",
        () -> ClusterIndex.of(2, new double[][] {{0, 0}, {1}}, new int[] {0, 1}, new long[] {1, 1}, 1, null));
    assertMessage("cluster class must be in [0, 2); cluster 1 has class 2",
        () -> ClusterIndex.of(2, new double[][] {{0}, {1}}, new int[] {0, 2}, new long[] {1, 1}, 1, null));
    assertMessage("clusters must be grouped by class in ascending order; cluster 1 has class 0 after class 1",
        () -> ClusterIndex.of(2, new double[][] {{0}, {1}}, new int[] {1, 0}, new long[] {1, 1}, 1, null));
    assertMessage("every cluster needs a member; cluster 0 has size 0",
        () -> ClusterIndex.of(2, new double[][] {{0}, {1}}, new int[] {0, 1}, new long[] {0, 1}, 1, null));
    assertMessage("sigma2 must be finite and positive; sigma2=NaN",
        () -> ClusterIndex.of(2, new double[][] {{0}, {1}}, new int[] {0, 1}, new long[] {1, 1}, Double.NaN, null));
    assertMessage("centroid of cluster 1 is not finite; value=Infinity",
        () -> ClusterIndex.of(2, new double[][] {{0}, {Double.POSITIVE_INFINITY}}, new int[] {0, 1}, new long[] {1, 1}, 1, null));
    assertMessage("assignment disagrees with cluster sizes: [2, 0] != [1, 1]",
        () -> ClusterIndex.of(2, new double[][] {{0}, {1}}, new int[] {0, 1}, new long[] {1, 1}, 1, new int[] {0, 0}));
    assertMessage("cluster loss must be finite and >= 0; cluster 1 has loss -1.0",
        () -> line().withLosses(new double[] {0, -1, 0, 0, 0}));
    assertMessage("clusterLoss must have one entry per cluster; 2!=5", () -> line().withLosses(new double[] {0, 1}));
  }

  private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
    assertEquals(expected, assertThrows(IllegalArgumentException.class, executable).getMessage());
  }
}
