package dev.magnet.core.nn;

import dev.magnet.core.DoublePrecision;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/** Finite-difference checks of the native-op blocks' gradients (hand-written for {@link ConvPoolBlock}, SameDiff's for {@link ResidualBlock}), in double precision. */
@ExtendWith(DoublePrecision.class)
class GradientCheckTest {
  private static final double EPSILON = 1e-6;
  private static final double MAX_REL_ERROR = 1e-3;
  private static final double MIN_ABS_ERROR = 1e-8;
  private static final int ROWS = 3;

  @Test
  void convPoolBlocksValidAndSame() {
    MultiLayerNetwork net = tiny(8, 8, 2,
        new ConvPoolBlock(0, 3, Padding.VALID), ConvPoolBlock.of(4, Padding.SAME));
    assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, ROWS, 2, 8, 8)));
  }

  @Test
  void residualBlocksIdentityAndProjection() {
    MultiLayerNetwork net = tiny(6, 6, 2,
        ResidualBlock.of(2, 1), ResidualBlock.of(3, 2), ResidualBlock.of(4, 1));
    assertTrue(check(net, Nd4j.rand(DataType.DOUBLE, ROWS, 2, 6, 6)));
  }

  @Test
  void mlp() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(5))
        .withHiddenSizes(List.of(6, 4)).withEmbeddingDim(3).withDataType(DataType.DOUBLE);
    assertTrue(check(network(spec), Nd4j.rand(DataType.DOUBLE, ROWS, 5)));
  }

  @Test
  void fmnistCnnOnSmallImagesFlatInput() {
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.image(1, 10, 10))
        .withHiddenSizes(List.of(5)).withEmbeddingDim(3).withDataType(DataType.DOUBLE);
    assertTrue(check(network(spec), Nd4j.rand(DataType.DOUBLE, ROWS, 100), true));
  }

  private static MultiLayerNetwork network(NetworkSpec spec) {
    MultiLayerNetwork net = new MultiLayerNetwork(
        NetworkFactory.configuration(spec, Head.embedding(new PullToOriginLoss()), new NoOp()));
    net.init();
    return net;
  }

  /** conv blocks, a 3-wide dense layer, and the stand-in loss. */
  private static MultiLayerNetwork tiny(int height, int width, int channels,
      org.deeplearning4j.nn.conf.layers.Layer... blocks) {
    NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
        .seed(1).dataType(DataType.DOUBLE).updater(new NoOp()).list();
    int i = 0;
    for (org.deeplearning4j.nn.conf.layers.Layer block : blocks) {
      list.layer(i++, block);
    }
    list.layer(i++, new DenseLayer.Builder().nOut(3).activation(Activation.TANH).build());
    list.layer(i, new LossLayer.Builder().activation(Activation.IDENTITY)
        .lossFunction(new PullToOriginLoss()).build());
    MultiLayerConfiguration conf =
        list.setInputType(InputType.convolutional(height, width, channels)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }

  private static boolean check(MultiLayerNetwork net, INDArray input) {
    return check(net, input, false);
  }

  private static boolean check(MultiLayerNetwork net, INDArray input, boolean subset) {
    GradientCheckUtil.MLNConfig config = new GradientCheckUtil.MLNConfig()
        .net(net)
        .input(input)
        .labels(Nd4j.zeros(DataType.DOUBLE, input.size(0), 2))
        .epsilon(EPSILON)
        .maxRelError(MAX_REL_ERROR)
        .minAbsoluteError(MIN_ABS_ERROR)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
        .exitOnFirstError(false);
    if (subset) {
      config.subset(true).maxPerParam(50);
    }
    return GradientCheckUtil.checkGradients(config);
  }
}
