package dev.magnet.core.loss;

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
}
