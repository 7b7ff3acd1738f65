package dev.magnet.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.magnet.core.DoublePrecision;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/** Small double-precision networks ending in a loss layer, for gradient checks and round trips. */
final class TinyNets {
  static final int INPUTS = 4;
  static final int EMBEDDING = 3;

  private TinyNets() {}

  static MultiLayerConfiguration config(ILossFunction loss) {
    return new NeuralNetConfiguration.Builder()
        .seed(12345)
        .dataType(DataType.DOUBLE)
        .updater(new NoOp())
        .weightInit(WeightInit.XAVIER)
        .list()
        .layer(new DenseLayer.Builder().nIn(INPUTS).nOut(6).activation(Activation.TANH).build())
        .layer(new DenseLayer.Builder().nIn(6).nOut(EMBEDDING).activation(Activation.IDENTITY).build())
        .layer(new LossLayer.Builder(loss).activation(Activation.IDENTITY).build())
        .build();
  }

  static MultiLayerNetwork network(ILossFunction loss) {
    MultiLayerNetwork net = new MultiLayerNetwork(config(loss));
    net.init();
    return net;
  }

  /** DL4J's finite-difference check, under the DOUBLE default types it insists on. */
  static boolean gradientsPass(MultiLayerNetwork net, INDArray input, INDArray labels) {
    return DoublePrecision.during(() -> check(net, input, labels));
  }

  private static boolean check(MultiLayerNetwork net, INDArray input, INDArray labels) {
    return GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
        .net(net)
        .input(input)
        .labels(labels)
        .epsilon(1e-6)
        .maxRelError(1e-4)
        .minAbsoluteError(1e-8)
        .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
        .exitOnFirstError(false));
  }

  static MultiLayerNetwork serializeRoundTrip(MultiLayerNetwork net) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(net, bytes, true);
    return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()), true);
  }

  /**
   * Asserts that {@code loss} survives DL4J's JSON (the configuration, and the loss in it, compare
   * equal after it) and ModelSerializer (a tiny network of it gives the same output and score after
   * it, on random inputs labelled {@code labels}, one row each).
   */
  static void assertRoundTrips(ILossFunction loss, INDArray labels) throws IOException {
    MultiLayerConfiguration config = config(loss);
    MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(config.toJson());
    assertEquals(config, restored);
    assertEquals(loss, ((LossLayer) restored.getConf(2).getLayer()).getLossFn());
    MultiLayerNetwork net = network(loss);
    INDArray input = Nd4j.rand(DataType.DOUBLE, labels.rows(), INPUTS);
    MultiLayerNetwork copy = serializeRoundTrip(net);
    assertEquals(net.output(input), copy.output(input));
    DataSet batch = new DataSet(input, labels);
    assertEquals(net.score(batch), copy.score(batch), 1e-12);
  }
}
