package dev.magnet.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class RetrievalMetricsTest {

  // Items on a line (position, label): i0 (0, A), i1 (6, B), i2 (5, A), i3 (9, B), i4 (20, B),
  // i5 (14, C). C has no other item, so i5 is excluded (but stays retrievable). R: A → 1, B → 2.
  // Neighbour labels, nearest first (no distance ties):
  //   i0: i2 A, i1 B, ...       rel 1     → P@1 1, first hit 1, RP 1,   MAP 1
  //   i1: i2 A, i3 B, i0 A, ... rel 0,1   → P@1 0, first hit 2, RP 1/2, MAP (1/2)(1/2) = 1/4
  //   i2: i1 B, i3 B, i0 A, ... rel 0     → P@1 0, first hit 3, RP 0,   MAP 0
  //   i3: i1 B, i2 A, ...       rel 1,0   → P@1 1, first hit 1, RP 1/2, MAP (1/2)(1) = 1/2
  //   i4: i5 C, i3 B, i1 B, ... rel 0,1   → P@1 0, first hit 2, RP 1/2, MAP 1/4
  // Means over 5: P@1 = R@1 = 2/5, R@2 = 4/5, R@4 = R@8 = 1, RP = 2.5/5 = 0.5, MAP@R = 2/5.
  private static final INDArray POSITIONS = Nd4j.create(new double[][] {{0}, {6}, {5}, {9}, {20}, {14}});
  private static final int[] LABELS = {0, 1, 0, 1, 1, 2};

  @Test
  void handComputedCase() {
    RetrievalResult r = RetrievalMetrics.compute(POSITIONS, LABELS, true, 4);
    assertEquals(0.4, r.precisionAt1(), 1e-12);
    assertEquals(0.4, r.recallAt1(), 1e-12);
    assertEquals(0.8, r.recallAt2(), 1e-12);
    assertEquals(1.0, r.recallAt4(), 1e-12);
    assertEquals(1.0, r.recallAt8(), 1e-12);
    assertEquals(0.5, r.rPrecision(), 1e-12);
    assertEquals(0.4, r.mapAtR(), 1e-12);
    assertEquals(5, r.evaluatedQueries());
    assertEquals(1, r.excludedQueries());
  }

  @Test
  void withoutRankRTheShallowScoresAreUnchangedAndRankRIsNaN() {
    RetrievalResult r = RetrievalMetrics.compute(POSITIONS, LABELS, false, 3);
    assertEquals(0.4, r.precisionAt1(), 1e-12);
    assertEquals(0.8, r.recallAt2(), 1e-12);
    assertTrue(Double.isNaN(r.rPrecision()));
    assertTrue(Double.isNaN(r.mapAtR()));
  }

  @Test
  void allSingletonLabelsLeaveNothingToEvaluate() {
    RetrievalResult r = RetrievalMetrics.compute(Nd4j.create(new double[][] {{0}, {1}}), new int[] {0, 1});
    assertEquals(0, r.evaluatedQueries());
    assertEquals(2, r.excludedQueries());
    assertTrue(Double.isNaN(r.precisionAt1()));
  }
}
