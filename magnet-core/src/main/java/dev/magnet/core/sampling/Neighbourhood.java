package dev.magnet.core.sampling;

import java.util.Arrays;

/**
 * One planned mini-batch: M cluster ids of a {@link dev.magnet.core.cluster.ClusterIndex}, the
 * seed cluster first, then its M−1 nearest clusters of other classes, nearest first.
 */
public record Neighbourhood(int[] clusters) {
  public Neighbourhood {
    if (clusters.length == 0) {
      throw new IllegalArgumentException("a neighbourhood needs a seed cluster; clusters=[]");
    }
    clusters = clusters.clone();
  }

  @Override
  public int[] clusters() {
    return clusters.clone();
  }

  public int seed() {
    return clusters[0];
  }

  public int size() {
    return clusters.length;
  }

  public int cluster(int slot) {
    return clusters[slot];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Neighbourhood other && Arrays.equals(clusters, other.clusters);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(clusters);
  }

  @Override
  public String toString() {
    return "Neighbourhood" + Arrays.toString(clusters);
  }
}
