package dev.magnet.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.DoublePrecision;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link ConvPoolBlock}'s hand-written forward and backward passes against DL4J's own
 * {@code ConvolutionLayer} + {@code SubsamplingLayer} (im2col, no oneDNN) given the same weights,
 * and against a model saved by the SameDiff version of the block.
 */
@ExtendWith(DoublePrecision.class)
class ConvPoolBlockTest {
  private static final int ROWS = 3;
  private static final int CHANNELS = 2;
  private static final int OUT = 4;
  private static final int SIZE = 9;

  @ParameterizedTest
  @EnumSource(Padding.class)
  void outputAndGradientsAreDl4jsConvReluMaxPool(Padding padding) {
    MultiLayerNetwork block = net(new ConvPoolBlock(0, OUT, padding));
    MultiLayerNetwork dl4j = net(
        new ConvolutionLayer.Builder(3, 3).nOut(OUT).activation(Activation.RELU)
            .convolutionMode(padding == Padding.SAME ? ConvolutionMode.Same : ConvolutionMode.Truncate)
            .build(),
        new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
            .build());
    // Same weights: W is [kH, kW, in, out] here, [out, in, kH, kW] in DL4J's layer.
    INDArray w = block.getLayer(0).getParam("W");
    dl4j.getLayer(0).setParam("W", w.permute(3, 2, 0, 1).dup('c'));
    dl4j.getLayer(0).setParam("b", block.getLayer(0).getParam("b").reshape(1, OUT));
    dl4j.getLayer(2).setParams(block.getLayer(1).params().dup());

    INDArray x = Nd4j.rand(DataType.DOUBLE, ROWS, CHANNELS, SIZE, SIZE).subi(0.5);
    INDArray y = Nd4j.rand(DataType.DOUBLE, ROWS, 2);
    assertTrue(block.output(x).equalsWithEps(dl4j.output(x), 1e-10), padding + " forward");

    block.setInput(x);
    block.setLabels(y);
    block.computeGradientAndScore();
    dl4j.setInput(x);
    dl4j.setLabels(y);
    dl4j.computeGradientAndScore();
    assertEquals(dl4j.score(), block.score(), 1e-10);
    Map<String, INDArray> ours = block.gradient().gradientForVariable();
    Map<String, INDArray> theirs = dl4j.gradient().gradientForVariable();
    assertTrue(ours.get("0_W").permute(3, 2, 0, 1).equalsWithEps(theirs.get("0_W"), 1e-10),
        padding + " dL/dW");
    assertTrue(ours.get("0_b").reshape(1, OUT).equalsWithEps(theirs.get("0_b").reshape(1, OUT), 1e-10),
        padding + " dL/db");
    assertTrue(ours.get("1_W").equalsWithEps(theirs.get("2_W"), 1e-10), padding + " dL/dW above");
  }

  @Test
  void parametersAreViewsOfTheNetworksVector() {
    MultiLayerNetwork net = net(new ConvPoolBlock(0, OUT, Padding.VALID));
    INDArray flat = Nd4j.arange(1, net.numParams() + 1).castTo(DataType.DOUBLE).reshape(1, net.numParams());
    net.setParams(flat);
    INDArray w = net.getLayer(0).getParam("W");
    assertEquals(java.util.List.of(3L, 3L, (long) CHANNELS, (long) OUT),
        java.util.Arrays.stream(w.shape()).boxed().toList());
    assertEquals(1.0, w.getDouble(0, 0, 0, 0));
    assertEquals(9.0 * CHANNELS * OUT + 1, net.getLayer(0).getParam("b").getDouble(0, 0));
    net.params().addi(1);
    assertEquals(2.0, w.getDouble(0, 0, 0, 0), "W must see the network's parameter vector");
  }

  @Test
  void inputWithOtherChannelsIsRefusedNamingTheShape() {
    MultiLayerNetwork net = net(new ConvPoolBlock(0, OUT, Padding.VALID));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> net.output(Nd4j.rand(DataType.DOUBLE, ROWS, CHANNELS + 1, SIZE, SIZE)));
    assertTrue(e.getMessage().contains("[n, 2, height, width]") && e.getMessage().contains("[3, 3, 9, 9]"),
        e.getMessage());
  }

  /**
   * A model written by Magnet before this layer replaced the SameDiff one (ModelSerializer, with
   * its Adam state): same parameter layout, so it loads, embeds as it did, and trains on.
   */
  @Test
  void modelsSavedWithTheSameDiffBlockLoadAndEmbedAlike() throws Exception {
    MultiLayerNetwork net = SavedModelFixture.assertLoadsEmbedsAlikeAndTrainsOn("fmnist-cnn-10x10-samediff",
        Nd4j.linspace(DataType.FLOAT, -1, 0.01, 200).reshape(2, 1, 10, 10));
    assertTrue(net.getLayer(0) instanceof ConvPoolLayer, net.getLayer(0).getClass().getName());
  }


  /** The layers, then a 2-wide identity output layer with squared error. */
  private static MultiLayerNetwork net(Layer... layers) {
    NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
        .seed(7).dataType(DataType.DOUBLE).updater(new NoOp()).list();
    int i = 0;
    for (Layer layer : layers) {
      list.layer(i++, layer);
    }
    list.layer(i, new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
        .activation(Activation.IDENTITY).build());
    MultiLayerConfiguration conf =
        list.setInputType(InputType.convolutional(SIZE, SIZE, CHANNELS)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
