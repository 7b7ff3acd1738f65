package dev.magnet.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * {@link ResidualBlock}'s hand-written layer: its parameter layout, its input check, and a model
 * saved by the SameDiff version of the block. Its gradients are checked in {@link GradientCheckTest}.
 */
class ResidualBlockTest {
  @Test
  void parametersAreTheWeightsThenTheBiasesWithTheProjectionOnlyWhenNeeded() {
    MultiLayerNetwork net = net(2, ResidualBlock.of(3, 1), ResidualBlock.of(3, 1));
    assertEquals(List.of("W1", "W2", "Wp", "b1", "b2", "bp"), List.copyOf(net.getLayer(0).paramTable().keySet()));
    assertEquals(List.of("W1", "W2", "b1", "b2"), List.copyOf(net.getLayer(1).paramTable().keySet()));
    assertEquals(9 * 2 * 3 + 9 * 3 * 3 + 2 * 3 + 3 * 3, net.getLayer(0).numParams());
    net.params().assign(0.5);
    assertEquals(0.5, net.getLayer(1).getParam("W2").getDouble(2, 2, 2, 2), "views of the parameter vector");
  }

  @Test
  void inputWithOtherChannelsIsRefusedNamingTheShape() {
    MultiLayerNetwork net = net(2, ResidualBlock.of(3, 2));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> net.output(Nd4j.rand(DataType.FLOAT, 4, 5, 6, 6)));
    assertTrue(e.getMessage().contains("[n, 2, height, width]") && e.getMessage().contains("[4, 5, 6, 6]"),
        e.getMessage());
  }

  /**
   * A model written before this layer replaced the SameDiff one (ModelSerializer, with its Adam
   * state; three blocks: a projection, the identity, a projection with stride 2): it loads,
   * embeds as it did, and trains on.
   */
  @Test
  void modelsSavedWithTheSameDiffBlockLoadAndEmbedAlike() throws Exception {
    MultiLayerNetwork net = SavedModelFixture.assertLoadsEmbedsAlikeAndTrainsOn("residual-6x6-samediff",
        Nd4j.linspace(DataType.FLOAT, -1, 0.01, 2 * 72).reshape(2, 2, 6, 6));
    assertTrue(net.getLayer(0) instanceof ResidualLayer, net.getLayer(0).getClass().getName());
  }


  private static MultiLayerNetwork net(int channels, ResidualBlock... blocks) {
    NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
        .seed(5).dataType(DataType.FLOAT).updater(new NoOp()).list();
    int i = 0;
    for (ResidualBlock b : blocks) {
      list.layer(i++, b);
    }
    list.layer(i, new DenseLayer.Builder().nOut(2).activation(Activation.IDENTITY).build());
    MultiLayerConfiguration conf = list.setInputType(InputType.convolutional(6, 6, channels)).build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    return net;
  }
}
