package dev.magnet.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class NmiTest {

  @Test
  void identicalPartitionsScoreOneWhateverTheLabelValues() {
    assertEquals(1.0, Nmi.nmi(new int[] {0, 0, 1, 1, 2}, new int[] {0, 0, 1, 1, 2}), 1e-12);
    assertEquals(1.0, Nmi.nmi(new int[] {0, 0, 1, 1, 2}, new int[] {7, 7, 3, 3, -1}), 1e-12);
  }

  @Test
  void independentLabelingsScoreZero() {
    // Each cell of the 2×2 contingency table holds 1 of 4: p_ij = p_i p_j, so I = 0.
    assertEquals(0.0, Nmi.nmi(new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}), 1e-12);
  }

  @Test
  void handComputedCase() {
    // U = [0,0,0,1,1,1], V = [0,0,1,1,2,2]. H(U) = ln 2, H(V) = ln 3.
    // Cells (u,v): (0,0)=2, (0,1)=1, (1,1)=1, (1,2)=2 of 6.
    // I = 2·(2/6)·ln((2/6)/((1/2)(1/3))) + 2·(1/6)·ln((1/6)/((1/2)(1/3))) = (2/3) ln 2 + 0.
    // NMI = (2/3) ln 2 / ((ln 2 + ln 3)/2) = 4 ln 2 / (3 ln 6) = 0.5158037429793887 (sklearn agrees).
    assertEquals(0.5158037429793887,
        Nmi.nmi(new int[] {0, 0, 0, 1, 1, 1}, new int[] {0, 0, 1, 1, 2, 2}), 1e-12);
  }

  @Test
  void singleGroupEdgeCasesFollowSklearn() {
    assertEquals(1.0, Nmi.nmi(new int[] {3, 3, 3}, new int[] {5, 5, 5}), 0.0);
    assertEquals(0.0, Nmi.nmi(new int[] {3, 3, 3}, new int[] {0, 1, 2}), 0.0);
  }

  @Test
  void clusterNmiOfSeparatedClassesIsOne() {
    double[][] rows = {{0, 0}, {0.1, 0}, {0, 0.1}, {5, 5}, {5.1, 5}, {5, 5.1}};
    assertEquals(1.0, Nmi.clusterNmi(Nd4j.create(rows), new int[] {4, 4, 4, 9, 9, 9}, 2, 3), 1e-12);
  }

  @Test
  void rejectsDifferentLengths() {
    assertEquals("labelings must have the same length; u=2, v=3",
        assertThrows(IllegalArgumentException.class,
            () -> Nmi.nmi(new int[] {0, 1}, new int[] {0, 1, 1})).getMessage());
  }
}
