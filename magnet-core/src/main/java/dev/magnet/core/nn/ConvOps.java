package dev.magnet.core.nn;

import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.weights.WeightInitUtil;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/** The native-op building blocks shared by {@link ConvPoolBlock} and {@link ResidualBlock}. */
final class ConvOps {
  /** SameDiff's conv2d and DL4J's CNN input types both default to channels-first. */
  static final String NCHW = "NCHW";

  private ConvOps() {}

  /** Convolution with bias, NCHW input, weights {@code [kH, kW, inC, outC]}, bias {@code [1, outC]}. */
  static SDVariable conv(SameDiff sd, SDVariable x, SDVariable w, SDVariable b, int kernel,
      int stride, Padding padding) {
    Conv2DConfig config = Conv2DConfig.builder()
        .kH(kernel).kW(kernel)
        .sH(stride).sW(stride)
        .paddingMode(padding.mode())
        .dataFormat(NCHW)
        .build();
    return sd.cnn().conv2d(x, w, b, config);
  }

  /**
   * He initialisation (the layers are followed by ReLU) for the weights, zero for the biases,
   * outside any workspace because the arrays are views of the network's parameter vector.
   */
  static void heInit(Map<String, INDArray> params, Map<String, long[]> fans) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      for (Map.Entry<String, INDArray> e : params.entrySet()) {
        long[] fan = fans.get(e.getKey());
        if (fan == null) {
          e.getValue().assign(0);
        } else {
          WeightInitUtil.initWeights(fan[0], fan[1], e.getValue().shape(), WeightInit.RELU, null,
              'c', e.getValue());
        }
      }
    }
  }

  /** The input as a convolutional type, or an exception naming the layer and what it got. */
  static InputType.InputTypeConvolutional convolutional(InputType in, String layer) {
    if (in instanceof InputType.InputTypeConvolutional c) {
      return c;
    }
    throw new IllegalArgumentException(
        "input of " + layer + " must be convolutional (NCHW); inputType=" + in);
  }

  /**
   * Convolutional-flat input (rows of {@code c*h*w} pixels, as read from IDX files) is reshaped to
   * NCHW; convolutional input needs nothing. Plain feed-forward input carries no height and
   * width, so it is refused with the remedy.
   */
  static InputPreProcessor preProcessor(InputType in, String layer) {
    if (in.getType() == InputType.Type.FF) {
      throw new IllegalArgumentException("input of " + layer + " carries no image shape: declare it"
          + " InputType.convolutionalFlat(h, w, c); inputType=" + in);
    }
    return InputTypeUtil.getPreProcessorForInputTypeCnnLayers(in, layer);
  }

  static void checkPositive(String rule, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(rule + " must be positive; " + rule + "=" + value);
    }
  }
}
