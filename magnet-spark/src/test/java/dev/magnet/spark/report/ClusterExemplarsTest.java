package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.cluster.ClusterIndex;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The exemplars of {@code train}'s report against a hand-built index: each belongs to its cluster
 * (the nearest centroid of its own class), is of the cluster's class, and no member left out is
 * nearer the mean than one shown.
 */
class ClusterExemplarsTest {
  @Test
  void exemplarsAreTheMembersNearestTheirClustersMean() {
    // Class 0 has clusters 0 and 1, class 1 cluster 2, class 2 none.
    double[][] centroids = {{0, 0}, {10, 0}, {0, 10}};
    ClusterIndex index = ClusterIndex.of(3, centroids, new int[] {0, 0, 1}, new long[] {30, 30, 30}, 1.0, null);
    SplittableRandom random = new SplittableRandom(3);
    int n = 200;
    long[] ids = new long[n];
    double[][] points = new double[n][];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = 1000 + i;
      labels[i] = random.nextInt(3);
      double[] c = centroids[random.nextInt(3)];
      points[i] = new double[] {c[0] + 3 * random.nextGaussian(), c[1] + 3 * random.nextGaussian()};
    }
    Map<Integer, List<ClusterExemplars.Member>> exemplars = ClusterExemplars.select(index, ids, points, labels);
    assertEquals(List.of(0, 1, 2), List.copyOf(exemplars.keySet()), "every cluster has members; class 2 none");
    for (Map.Entry<Integer, List<ClusterExemplars.Member>> entry : exemplars.entrySet()) {
      int cluster = entry.getKey();
      List<ClusterExemplars.Member> members = entry.getValue();
      assertEquals(ClusterExemplars.EXEMPLARS, members.size());
      double farthestShown = 0;
      for (ClusterExemplars.Member m : members) {
        assertEquals(ids[m.row()], m.id());
        assertEquals(index.clusterClass(cluster), labels[m.row()], "an exemplar is of its cluster's class");
        assertEquals(cluster, index.nearestClusterOfClass(points[m.row()], labels[m.row()]), "it belongs to it");
        assertTrue(m.distance() >= farthestShown, "nearest first");
        farthestShown = m.distance();
      }
      for (int i = 0; i < n; i++) {
        int row = i;
        if (labels[i] == index.clusterClass(cluster) && index.nearestClusterOfClass(points[i], labels[i]) == cluster
            && members.stream().noneMatch(m -> m.row() == row)) {
          double d = Math.hypot(points[i][0] - centroids[cluster][0], points[i][1] - centroids[cluster][1]);
          assertFalse(d < farthestShown, "member " + ids[i] + " left out is nearer the mean than one shown");
        }
      }
    }
  }
}
