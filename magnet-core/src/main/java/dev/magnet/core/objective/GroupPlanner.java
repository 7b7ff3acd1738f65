package dev.magnet.core.objective;

import java.util.SplittableRandom;

/**
 * Names the groups (clusters or classes) of each grouped mini-batch; the trainer then draws
 * {@link #draws()} members of each group (the single-JVM trainer from its random stream, the
 * Spark trainer by exact stratified sampling on the executors).
 */
public interface GroupPlanner {
  /** The groups of one batch, drawn from {@code random}. */
  int[] next(SplittableRandom random);

  /** The examples drawn from each group of a batch. */
  int draws();

  /** The groups of {@code batches} batches, reproducible from the random state. */
  default int[][] plan(int batches, SplittableRandom random) {
    if (batches < 0) {
      throw new IllegalArgumentException("batch count must be >= 0; batches=" + batches);
    }
    int[][] plan = new int[batches][];
    for (int b = 0; b < batches; b++) {
      plan[b] = next(random);
    }
    return plan;
  }
}
