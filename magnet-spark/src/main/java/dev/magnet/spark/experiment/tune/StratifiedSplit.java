package dev.magnet.spark.experiment.tune;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded, exactly stratified assignment of training examples to folds, the held-out part of
 * tuning: every class is shuffled with its own seeded generator and dealt out, so each fold holds
 * the same share of every class (to within one example) and the same seed gives the same split
 * whatever order the examples come in.
 *
 * <ul>
 *   <li>One fold ({@link #holdout}): fold {@value #VALIDATION} gets {@code round(fraction · n_c)}
 *       examples of each class c of n_c, at least one and at most n_c − 1 (a class of one example
 *       stays in training); the rest get fold {@value #FIT}.
 *   <li>F ≥ 2 folds ({@link #folds}): each class's shuffled examples are dealt round-robin, the
 *       first to the fold after the previous class's last, so the folds' sizes differ by one at most.
 * </ul>
 *
 * <p>Example: classes of 10, 10 and 5 examples with fraction 0.2 hold out 2, 2 and 1. Spark ML's
 * {@code TrainValidationSplit} splits with {@code randomSplit}, which is neither stratified nor
 * exact in size, hence this class.
 */
public final class StratifiedSplit {
  /** The fold of the held-out examples in a holdout split. */
  public static final int VALIDATION = 0;
  /** The fold of the examples trained on in a holdout split. */
  public static final int FIT = 1;

  private StratifiedSplit() {}

  /**
   * A holdout split.
   *
   * @param ids the examples' ids, distinct
   * @param labels their classes, one per id
   * @param fraction the share of each class held out, in (0, 1)
   * @return the fold of each example, in the order of {@code ids}: {@link #VALIDATION} or {@link #FIT}
   */
  public static int[] holdout(long[] ids, int[] labels, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("the validation fraction must be in (0, 1); validation-fraction=" + fraction);
    }
    int[] folds = new int[ids.length];
    Arrays.fill(folds, FIT);
    for (Map.Entry<Integer, List<Integer>> c : shuffledClasses(ids, labels, seed).entrySet()) {
      List<Integer> members = c.getValue();
      int held = members.size() < 2 ? 0
          : (int) Math.max(1, Math.min(members.size() - 1, Math.round(fraction * members.size())));
      for (int i = 0; i < held; i++) {
        folds[members.get(i)] = VALIDATION;
      }
    }
    return folds;
  }

  /**
   * A split into {@code count} folds for cross-validation.
   *
   * @return the fold of each example, in the order of {@code ids}, in [0, count)
   */
  public static int[] folds(long[] ids, int[] labels, int count, long seed) {
    if (count < 2) {
      throw new IllegalArgumentException("cross-validation needs at least 2 folds; folds=" + count);
    }
    int[] folds = new int[ids.length];
    int next = 0;
    for (List<Integer> members : shuffledClasses(ids, labels, seed).values()) {
      for (int index : members) {
        folds[index] = next;
        next = (next + 1) % count;
      }
    }
    return folds;
  }

  /**
   * Each class's positions in {@code ids}, in an order shuffled by a generator seeded with the
   * seed and the class, after sorting by id (so the input's order does not matter).
   */
  private static Map<Integer, List<Integer>> shuffledClasses(long[] ids, int[] labels, long seed) {
    if (ids.length != labels.length) {
      throw new IllegalArgumentException("one label per id is needed; ids=" + ids.length + ", labels=" + labels.length);
    }
    Map<Integer, List<Integer>> classes = new TreeMap<>();
    Integer[] order = new Integer[ids.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(ids[a], ids[b]));
    for (int i = 0; i < order.length; i++) {
      if (i > 0 && ids[order[i]] == ids[order[i - 1]]) {
        throw new IllegalArgumentException("example ids must be distinct; id " + ids[order[i]] + " appears twice");
      }
      classes.computeIfAbsent(labels[order[i]], c -> new ArrayList<>()).add(order[i]);
    }
    SplittableRandom root = new SplittableRandom(seed);
    for (Map.Entry<Integer, List<Integer>> c : classes.entrySet()) {
      SplittableRandom random = new SplittableRandom(root.split().nextLong() ^ c.getKey());
      List<Integer> members = c.getValue();
      for (int i = members.size() - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        Integer swap = members.get(i);
        members.set(i, members.get(j));
        members.set(j, swap);
      }
    }
    return classes;
  }
}
