package dev.magnet.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class BatchHardTripletLossTest {
  private static final ActivationIdentity IDENTITY = new ActivationIdentity();

  @Test
  void valueMatchesAHandComputedBatch() {
    // Class 0 at x = 0 and x = 1; class 1 at x = 1.5 and x = 4 (one dimension).
    double[][] r = {{0}, {1}, {1.5}, {4}};
    int[] classes = {0, 0, 1, 1};
    // a=0: hardest positive 1, hardest negative 1.5 → 0.2 + 1 − 1.5 < 0 → 0
    // a=1: positive 1, negative 0.5 → 0.2 + 1 − 0.5 = 0.7
    // a=2: positive 2.5, negative 0.5 → 0.2 + 2.5 − 0.5 = 2.2
    // a=3: positive 2.5, negative 3 → 0.2 + 2.5 − 3 < 0 → 0
    double[] expected = {0, 0.7, 2.2, 0};
    BatchHardTripletLoss.BatchLoss result = BatchHardTripletLoss.compute(r, classes, 0.2, true);
    assertArrayEquals(expected, result.losses(), 1e-9);
    // Only anchors 1 and 2 are active: d/dr of (D(1,0) − D(1,2)) and (D(2,3) − D(2,1)).
    assertArrayEquals(new double[] {-1}, result.gradient()[0], 1e-9);
    assertArrayEquals(new double[] {1 + 1 + 1}, result.gradient()[1], 1e-9);
    assertArrayEquals(new double[] {-1 - 1 - 1}, result.gradient()[2], 1e-9);
    assertArrayEquals(new double[] {1}, result.gradient()[3], 1e-9);
    INDArray out = Nd4j.create(r);
    double mean = new BatchHardTripletLoss(0.2).computeScore(
        BatchHardTripletLoss.labels(classes, DataType.DOUBLE), out, IDENTITY, null, true);
    assertEquals(2.9 / 4, mean, 1e-9);
    float floatMean = (float) new BatchHardTripletLoss(0.2).computeScore(
        BatchHardTripletLoss.labels(classes, DataType.FLOAT), out.castTo(DataType.FLOAT), IDENTITY, null, true);
    assertEquals(2.9 / 4, floatMean, 1e-6);
  }

  @Test
  void passesDl4jGradientCheckOnASmallNetwork() {
    Nd4j.getRandom().setSeed(11);
    MultiLayerNetwork net = TinyNets.network(new BatchHardTripletLoss(1.0));
    INDArray input = Nd4j.rand(DataType.DOUBLE, 12, TinyNets.INPUTS).subi(0.5).muli(4);
    INDArray labels = BatchHardTripletLoss.labels(new int[] {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}, DataType.DOUBLE);
    assertTrue(net.score(new DataSet(input, labels)) > 0, "the check must run with active triplets");
    assertTrue(TinyNets.gradientsPass(net, input, labels));
  }

  @Test
  void degenerateBatchesAreFiniteAndZeroWhereNoTripletExists() {
    BatchHardTripletLoss.BatchLoss oneClass =
        BatchHardTripletLoss.compute(new double[][] {{0, 1}, {2, 3}, {4, 5}}, new int[] {7, 7, 7}, 0.2, true);
    assertArrayEquals(new double[3], oneClass.losses());
    BatchHardTripletLoss.BatchLoss singletons =
        BatchHardTripletLoss.compute(new double[][] {{0, 1}, {2, 3}}, new int[] {0, 1}, 0.2, true);
    assertArrayEquals(new double[2], singletons.losses());
    double[][] equal = {{1, 1}, {1, 1}, {1, 1}, {1, 1}};
    BatchHardTripletLoss.BatchLoss allEqual =
        BatchHardTripletLoss.compute(equal, new int[] {0, 0, 1, 1}, 0.2, true);
    for (int i = 0; i < 4; i++) {
      assertEquals(0.2, allEqual.losses()[i], 1e-5);
      for (double v : allEqual.gradient()[i]) {
        assertTrue(Double.isFinite(v));
      }
    }
  }

  @Test
  void largeEmbeddingsStayFinite() {
    double[][] r = {{1e3, 0}, {1e3 + 5, 0}, {-1e3, 0}, {-1e3, 3}};
    BatchHardTripletLoss.BatchLoss result = BatchHardTripletLoss.compute(r, new int[] {0, 1, 0, 1}, 0.2, true);
    // a=0: positive D(0,2) = 2000, negative D(0,1) = 5 → 0.2 + 1995
    assertEquals(1995.2, result.losses()[0], 1e-6);
    for (double[] row : result.gradient()) {
      for (double v : row) {
        assertTrue(Double.isFinite(v) && Math.abs(v) <= 4);
      }
    }
  }

  @Test
  void badInputIsRejectedWithTheValue() {
    IllegalArgumentException margin = assertThrows(IllegalArgumentException.class, () -> new BatchHardTripletLoss(Double.NaN));
    assertEquals("margin must be finite and >= 0; margin=NaN", margin.getMessage());
    IllegalArgumentException width = assertThrows(IllegalArgumentException.class, () -> new BatchHardTripletLoss()
        .computeScore(Nd4j.zeros(4, 2), Nd4j.zeros(4, 3), IDENTITY, null, true));
    assertEquals("triplet loss labels must be [4, 1] (classKey); shape=[4, 2]", width.getMessage());
  }

  @Test
  void survivesJsonAndModelSerializerRoundTrips() throws Exception {
    TinyNets.assertRoundTrips(new BatchHardTripletLoss(0.3),
        BatchHardTripletLoss.labels(new int[] {0, 0, 1, 1, 2, 2, 3, 3}, DataType.DOUBLE));
  }
}
