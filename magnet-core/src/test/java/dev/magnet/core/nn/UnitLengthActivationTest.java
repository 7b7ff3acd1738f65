package dev.magnet.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.DoublePrecision;
import dev.magnet.core.loss.BatchHardTripletLoss;
import java.util.List;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

@ExtendWith(DoublePrecision.class)
class UnitLengthActivationTest {
  private static final UnitLengthActivation UNIT = new UnitLengthActivation();

  @Test
  void scalesRowsToUnitLengthAndLeavesAZeroRowAtZero() {
    INDArray out = UNIT.getActivation(Nd4j.create(new double[][] {{3, 4}, {0, -2}, {0, 0}}), true);
    assertArrayEquals(new double[] {0.6, 0.8}, out.getRow(0).toDoubleVector(), 1e-12);
    assertArrayEquals(new double[] {0, -1}, out.getRow(1).toDoubleVector(), 1e-12);
    assertArrayEquals(new double[] {0, 0}, out.getRow(2).toDoubleVector(), 0.0);
  }

  @Test
  void backpropMatchesFiniteDifferences() {
    double[][] x = {{0.3, -1.2, 2.0}, {5.0, 0.1, -0.4}};
    double[][] g = {{1.0, 0.5, -2.0}, {-0.3, 0.7, 0.2}};
    // L = Σ g ⊙ y(x), so ∂L/∂x is the backprop of g.
    double[][] analytic = UNIT.backprop(Nd4j.create(x), Nd4j.create(g)).getFirst().toDoubleMatrix();
    double h = 1e-6;
    for (int i = 0; i < x.length; i++) {
      for (int e = 0; e < x[i].length; e++) {
        double[][] plus = copy(x);
        double[][] minus = copy(x);
        plus[i][e] += h;
        minus[i][e] -= h;
        double numeric = (dot(g, UNIT.getActivation(Nd4j.create(plus), true).toDoubleMatrix())
            - dot(g, UNIT.getActivation(Nd4j.create(minus), true).toDoubleMatrix())) / (2 * h);
        assertEquals(numeric, analytic[i][e], 1e-7, "d/dx[" + i + "][" + e + "]");
      }
    }
  }

  @Test
  void passesDl4jGradientCheckUnderTheTripletLoss() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(5))
        .withHiddenSizes(List.of(6)).withEmbeddingDim(3).withDataType(DataType.DOUBLE);
    MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(
        spec, Head.unitEmbedding(new BatchHardTripletLoss(1.0)), new NoOp()));
    net.init();
    Nd4j.getRandom().setSeed(5);
    INDArray input = Nd4j.rand(DataType.DOUBLE, 9, 5).subi(0.5).muli(4);
    INDArray labels = BatchHardTripletLoss.labels(new int[] {0, 0, 0, 1, 1, 1, 2, 2, 2}, DataType.DOUBLE);
    assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
        .net(net).input(input).labels(labels)
        .epsilon(1e-6).maxRelError(1e-4).minAbsoluteError(1e-8)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY).exitOnFirstError(false)));
  }

  @Test
  void unitEmbeddingHeadNormalisesTheEmbeddingLayerAndSurvivesJson() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(4)).withEmbeddingDim(3);
    MultiLayerConfiguration conf = NetworkFactory.configuration(spec, Head.unitEmbedding(new BatchHardTripletLoss()));
    MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
    assertEquals(conf, back);
    MultiLayerNetwork net = new MultiLayerNetwork(back);
    net.init();
    DenseLayer embedding = (DenseLayer) back.getConf(NetworkFactory.embeddingLayerIndex(net)).getLayer();
    assertInstanceOf(UnitLengthActivation.class, embedding.getActivationFn());
    INDArray embedded = NetworkFactory.embed(net, Nd4j.rand(DataType.FLOAT, 6, 4).muli(50), 4);
    for (double norm : embedded.norm2(1).toDoubleVector()) {
      assertEquals(1.0, norm, 1e-5);
    }
  }

  @Test
  void rejectsInputsThatAreNotRowsOfVectors() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> UNIT.getActivation(Nd4j.zeros(2, 3, 4), true));
    assertEquals("unit-length activation needs [examples, dimension]; shape=[2, 3, 4]", e.getMessage());
  }

  private static double[][] copy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  private static double dot(double[][] a, double[][] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        s += a[i][j] * b[i][j];
      }
    }
    return s;
  }
}
