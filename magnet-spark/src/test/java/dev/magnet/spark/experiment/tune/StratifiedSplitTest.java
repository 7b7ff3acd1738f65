package dev.magnet.spark.experiment.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The held-out split of tuning: exact per class, seeded, independent of the input's order. */
class StratifiedSplitTest {
  /** Classes of 10, 10 and 5 examples, ids 100.., interleaved. */
  private static final long[] IDS = LongStream.range(100, 125).toArray();
  private static final int[] LABELS = IntStream.range(0, 25).map(i -> i < 20 ? i % 2 : 2).toArray();

  private static Map<Integer, Integer> heldPerClass(int[] folds, int fold) {
    Map<Integer, Integer> held = new TreeMap<>();
    for (int i = 0; i < folds.length; i++) {
      if (folds[i] == fold) {
        held.merge(LABELS[i], 1, Integer::sum);
      }
    }
    return held;
  }

  @Test
  void aHoldoutTakesTheShareOfEveryClass() {
    int[] folds = StratifiedSplit.holdout(IDS, LABELS, 0.2, 42);
    assertEquals(Map.of(0, 2, 1, 2, 2, 1), heldPerClass(folds, StratifiedSplit.VALIDATION), "20% of 10, 10 and 5");
    assertEquals(Map.of(0, 8, 1, 8, 2, 4), heldPerClass(folds, StratifiedSplit.FIT));
    assertArrayEquals(folds, StratifiedSplit.holdout(IDS, LABELS, 0.2, 42), "the same seed, the same split");
    assertFalse(Arrays.equals(folds, StratifiedSplit.holdout(IDS, LABELS, 0.2, 43)), "another seed, another split");
  }

  @Test
  void theSplitFollowsTheIdsNotTheirOrder() {
    int[] folds = StratifiedSplit.holdout(IDS, LABELS, 0.3, 7);
    long[] reversedIds = new long[IDS.length];
    int[] reversedLabels = new int[IDS.length];
    for (int i = 0; i < IDS.length; i++) {
      reversedIds[i] = IDS[IDS.length - 1 - i];
      reversedLabels[i] = LABELS[IDS.length - 1 - i];
    }
    int[] reversed = StratifiedSplit.holdout(reversedIds, reversedLabels, 0.3, 7);
    for (int i = 0; i < IDS.length; i++) {
      assertEquals(folds[i], reversed[IDS.length - 1 - i], "id " + IDS[i]);
    }
  }

  @Test
  void aClassOfOneStaysInTrainingAndEveryOtherClassKeepsOneOfEach() {
    long[] ids = {1, 2, 3, 4};
    int[] labels = {0, 1, 1, 1};
    int[] folds = StratifiedSplit.holdout(ids, labels, 0.99, 1);
    assertEquals(StratifiedSplit.FIT, folds[0], "a lone example is trained on");
    assertEquals(2, Arrays.stream(folds).filter(f -> f == StratifiedSplit.VALIDATION).count(),
        "at most n-1 of a class held out");
    int[] few = StratifiedSplit.holdout(ids, labels, 0.01, 1);
    assertEquals(2 * StratifiedSplit.FIT + StratifiedSplit.VALIDATION, few[1] + few[2] + few[3],
        "at least one of a class held out: two of three fit");
  }

  @Test
  void foldsDealEveryClassEvenly() {
    int[] folds = StratifiedSplit.folds(IDS, LABELS, 3, 42);
    for (int f = 0; f < 3; f++) {
      Map<Integer, Integer> held = heldPerClass(folds, f);
      for (int c = 0; c < 3; c++) {
        int expected = c < 2 ? 10 : 5;
        int n = held.getOrDefault(c, 0);
        assertEquals(expected / 3.0, n, 1.0, "class " + c + " in fold " + f + ": " + held);
      }
    }
    assertEquals(25, IntStream.range(0, 3).mapToLong(f -> Arrays.stream(folds).filter(x -> x == f).count()).sum());
  }

  @Test
  void badArgumentsAreRefusedNamingThem() {
    assertEquals("the validation fraction must be in (0, 1); validation-fraction=1.0", assertThrows(
        IllegalArgumentException.class, () -> StratifiedSplit.holdout(IDS, LABELS, 1.0, 1)).getMessage());
    assertEquals("cross-validation needs at least 2 folds; folds=1", assertThrows(IllegalArgumentException.class,
        () -> StratifiedSplit.folds(IDS, LABELS, 1, 1)).getMessage());
    assertEquals("example ids must be distinct; id 5 appears twice", assertThrows(IllegalArgumentException.class,
        () -> StratifiedSplit.holdout(new long[] {5, 5}, new int[] {0, 0}, 0.5, 1)).getMessage());
  }
}
