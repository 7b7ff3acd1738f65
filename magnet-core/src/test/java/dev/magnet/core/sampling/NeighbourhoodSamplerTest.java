package dev.magnet.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.cluster.ClusterIndex;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NeighbourhoodSamplerTest {

  /** A random index: classes × k clusters in 3-D, sizes 1..9, assignment in cluster order. */
  static ClusterIndex randomIndex(int classes, int k, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int clusters = classes * k;
    double[][] centroids = new double[clusters][3];
    int[] clusterClass = new int[clusters];
    long[] sizes = new long[clusters];
    List<Integer> assignment = new ArrayList<>();
    for (int j = 0; j < clusters; j++) {
      for (int e = 0; e < 3; e++) {
        centroids[j][e] = random.nextGaussian();
      }
      clusterClass[j] = j / k;
      sizes[j] = 1 + random.nextInt(9);
      for (int i = 0; i < sizes[j]; i++) {
        assignment.add(j);
      }
    }
    return ClusterIndex.of(classes, centroids, clusterClass, sizes, 1.0,
        assignment.stream().mapToInt(Integer::intValue).toArray());
  }

  static int[][] membersByCluster(ClusterIndex index) {
    int[] assignment = index.assignment().orElseThrow();
    int[][] members = new int[index.numClusters()][];
    for (int j = 0; j < members.length; j++) {
      final int cluster = j;
      members[j] = java.util.stream.IntStream.range(0, assignment.length).filter(i -> assignment[i] == cluster).toArray();
    }
    return members;
  }

  static Stream<Arguments> grid() {
    List<Arguments> cases = new ArrayList<>();
    for (int classes : new int[] {2, 3, 6}) {
      for (int k : new int[] {1, 2, 4}) {
        for (int d : new int[] {1, 4}) {
          int maxM = (classes - 1) * k + 1;
          for (int m : new int[] {2, Math.min(4, maxM), maxM}) {
            cases.add(Arguments.of(classes, k, m, d));
          }
        }
      }
    }
    return cases.stream().distinct();
  }

  @ParameterizedTest(name = "classes={0} K={1} M={2} D={3}")
  @MethodSource("grid")
  void everyNeighbourhoodAndBatchKeepsTheInvariants(int classes, int k, int m, int d) {
    ClusterIndex index = randomIndex(classes, k, 31L * classes + k);
    NeighbourhoodSampler sampler = new NeighbourhoodSampler(index, m, d);
    int[][] members = membersByCluster(index);
    SplittableRandom random = new SplittableRandom(5);
    for (Neighbourhood n : sampler.plan(50, random)) {
      assertEquals(m, n.size());
      Set<Integer> distinct = new HashSet<>();
      int seedClass = index.clusterClass(n.seed());
      for (int slot = 0; slot < m; slot++) {
        assertTrue(distinct.add(n.cluster(slot)), "clusters of a neighbourhood are distinct: " + n);
        if (slot > 0) {
          assertNotEquals(seedClass, index.clusterClass(n.cluster(slot)), "impostors are of other classes: " + n);
        }
      }
      // The impostors are exactly the M−1 nearest other-class clusters: none left out is nearer.
      double farthest = distance(index, n.seed(), n.cluster(m - 1));
      for (int j = 0; j < index.numClusters(); j++) {
        if (index.clusterClass(j) != seedClass && !distinct.contains(j)) {
          assertTrue(distance(index, n.seed(), j) >= farthest, "cluster " + j + " is nearer than " + n);
        }
      }
      for (int slot = 0; slot < m; slot++) {
        int[] pool = members[n.cluster(slot)];
        int[] drawn = NeighbourhoodSampler.drawMembers(pool, d, random);
        assertEquals(d, drawn.length);
        Set<Integer> allowed = new HashSet<>();
        for (int member : pool) {
          allowed.add(member);
        }
        Set<Integer> seen = new HashSet<>();
        for (int example : drawn) {
          assertTrue(allowed.contains(example), "drawn from the planned cluster");
          seen.add(example);
        }
        if (pool.length >= d) {
          assertEquals(d, seen.size(), "without replacement when the cluster has at least D members");
        }
      }
    }
  }

  private static double distance(ClusterIndex index, int a, int b) {
    double[] x = index.centroid(a);
    double[] y = index.centroid(b);
    double s = 0;
    for (int e = 0; e < x.length; e++) {
      s += (x[e] - y[e]) * (x[e] - y[e]);
    }
    return s;
  }

  @Test
  void seedFrequenciesFollowTheClusterLosses() {
    ClusterIndex index = randomIndex(4, 2, 1).withLosses(new double[] {0.5, 1, 2, 4, 0.25, 3, 1.5, 0.75});
    NeighbourhoodSampler sampler = new NeighbourhoodSampler(index, 3, 2);
    double total = 13;
    long[] observed = new long[8];
    double[] expected = new double[8];
    SplittableRandom random = new SplittableRandom(2024);
    int draws = 40_000;
    for (int i = 0; i < draws; i++) {
      observed[sampler.drawSeed(random)]++;
    }
    for (int j = 0; j < 8; j++) {
      expected[j] = index.clusterLoss(j) / total;
      assertEquals(expected[j], sampler.seedProbability(j), 1e-12);
    }
    double pValue = new ChiSquareTest().chiSquareTest(expected, observed);
    assertTrue(pValue > 0.001, "seed counts follow the losses; p=" + pValue);
    // And the test has power: the same counts are far from uniform.
    double[] uniform = new double[8];
    java.util.Arrays.fill(uniform, 1.0 / 8);
    assertTrue(new ChiSquareTest().chiSquareTest(uniform, observed) < 1e-9);
  }

  @Test
  void seedsUniformlyBeforeAnyLossAndFloorsZeroLosses() {
    ClusterIndex index = randomIndex(3, 2, 2);
    NeighbourhoodSampler uniform = new NeighbourhoodSampler(index, 2, 1);
    for (int j = 0; j < 6; j++) {
      assertEquals(1.0 / 6, uniform.seedProbability(j), 1e-12);
    }
    NeighbourhoodSampler allZero = new NeighbourhoodSampler(index.withLosses(new double[6]), 2, 1);
    for (int j = 0; j < 6; j++) {
      assertEquals(1.0 / 6, allZero.seedProbability(j), 1e-12, "zero losses are not 'no loss yet', but still never NaN");
    }
    NeighbourhoodSampler oneZero = new NeighbourhoodSampler(index.withLosses(new double[] {0, 1, 1, 1, 1, 1}), 2, 1);
    double floor = NeighbourhoodSampler.RELATIVE_LOSS_FLOOR * (5.0 / 6);
    assertEquals(floor / (5 + floor), oneZero.seedProbability(0), 1e-12);
    assertTrue(oneZero.seedProbability(0) > 0);
  }

  @Test
  void clusterSmallerThanDIsDrawnWithReplacement() {
    // A class with fewer examples than K: two examples, one cluster of size 2, D = 4.
    int[] drawn = NeighbourhoodSampler.drawMembers(new int[] {10, 11}, 4, new SplittableRandom(3));
    assertEquals(4, drawn.length);
    for (int example : drawn) {
      assertTrue(example == 10 || example == 11);
    }
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> NeighbourhoodSampler.drawMembers(new int[0], 4, new SplittableRandom(3)));
    assertEquals("cannot draw from an empty cluster; members=0, D=4", empty.getMessage());
  }

  @Test
  void tooLargeMFailsAtConstruction() {
    ClusterIndex index = randomIndex(3, 2, 4);
    IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class, () -> new NeighbourhoodSampler(index, 6, 4));
    assertEquals("M-1 nearest impostor clusters are needed but some class has only 4 clusters of other classes "
        + "(6 clusters in 3 classes); M=6", tooLarge.getMessage());
    new NeighbourhoodSampler(index, 5, 4); // exactly enough
    assertEquals("M must be at least 2: the loss needs clusters of another class; M=1",
        assertThrows(IllegalArgumentException.class, () -> new NeighbourhoodSampler(index, 1, 4)).getMessage());
    assertEquals("D must be positive; D=0",
        assertThrows(IllegalArgumentException.class, () -> new NeighbourhoodSampler(index, 2, 0)).getMessage());
  }

  @Test
  void plansAreReproducibleFromTheSeed() {
    ClusterIndex index = randomIndex(5, 3, 9).withLosses(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
    NeighbourhoodSampler sampler = new NeighbourhoodSampler(index, 4, 4);
    List<Neighbourhood> first = sampler.plan(100, new SplittableRandom(77));
    List<Neighbourhood> second = sampler.plan(100, new SplittableRandom(77));
    List<Neighbourhood> other = sampler.plan(100, new SplittableRandom(78));
    assertEquals(first, second);
    assertNotEquals(first, other);
    assertArrayEquals(
        NeighbourhoodSampler.drawMembers(new int[] {1, 2, 3, 4, 5, 6}, 4, new SplittableRandom(1)),
        NeighbourhoodSampler.drawMembers(new int[] {1, 2, 3, 4, 5, 6}, 4, new SplittableRandom(1)));
  }
}
