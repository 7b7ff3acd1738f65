package dev.magnet.core.distance;

/**
 * The nearest references of each query, nearest first: {@code indices[q][j]} is the row of the
 * j-th nearest reference to query q and {@code squaredDistances[q][j]} its squared Euclidean
 * distance. Equal distances are ordered by reference row. A query has {@code min(k, candidates)}
 * neighbours, where leave-one-out removes the query itself from the candidates.
 */
public record Neighbours(int[][] indices, double[][] squaredDistances) {

  /** Checks that both tables describe the same queries. */
  public Neighbours {
    if (indices.length != squaredDistances.length) {
      throw new IllegalArgumentException("indices and distances must have one row per query; indices="
          + indices.length + ", squaredDistances=" + squaredDistances.length);
    }
  }

  /** Number of queries. */
  public int queries() {
    return indices.length;
  }
}
