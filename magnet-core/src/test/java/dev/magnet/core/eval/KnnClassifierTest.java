package dev.magnet.core.eval;

import dev.magnet.core.distance.Neighbours;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class KnnClassifierTest {

  // References on a line: 0 (class 0), 1 (class 1), 2 (class 1), 10 (class 2).
  private static final INDArray REFS = Nd4j.create(new double[][] {{0}, {1}, {2}, {10}});
  private static final int[] LABELS = {0, 1, 1, 2};

  @Test
  void majorityVoteWithTiesBrokenByTheNearestNeighbour() {
    KnnClassifier knn = new KnnClassifier(REFS, LABELS);
    INDArray query = Nd4j.create(new double[][] {{0.4}});
    // Neighbours of 0.4: ref 0 (class 0, 0.16), ref 1 (class 1, 0.36), ref 2 (class 1, 2.56).
    assertArrayEquals(new int[] {0}, knn.predict(query, 1));
    // k=2: one vote each; class 0 owns the nearest neighbour.
    assertArrayEquals(new int[] {0}, knn.predict(query, 2));
    // k=3: class 1 has two votes.
    assertArrayEquals(new int[] {1}, knn.predict(query, 3));
  }

  @Test
  void oneSearchServesSeveralK() {
    KnnClassifier knn = new KnnClassifier(REFS, LABELS);
    Neighbours deep = knn.neighbours(Nd4j.create(new double[][] {{0.4}}), 3);
    assertArrayEquals(new int[] {0}, knn.vote(deep, 1));
    assertArrayEquals(new int[] {1}, knn.vote(deep, 3));
  }

  @Test
  void leaveOneOutSkipsTheQuery() {
    // 1-NN without self: 0 → 1 (class 1); 1 → 0 or 2 at distance 1, tie to lower row 0 (class 0);
    // 2 → 1 (class 1); 10 → 2 (class 1). Accuracy against [0,1,1,2]: only row 2 right = 1/4.
    int[] predicted = new KnnClassifier(REFS, LABELS).predictLeaveOneOut(1);
    assertArrayEquals(new int[] {1, 0, 1, 1}, predicted);
    assertEquals(0.25, KnnClassifier.accuracy(predicted, LABELS), 1e-12);
  }

  @Test
  void rejectsMismatchedLabels() {
    assertEquals("references and labels must have the same rows; references=4, labels=3",
        assertThrows(IllegalArgumentException.class,
            () -> new KnnClassifier(REFS, new int[] {0, 1, 1})).getMessage());
  }
}
