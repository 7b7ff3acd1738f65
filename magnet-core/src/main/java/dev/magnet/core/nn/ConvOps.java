package dev.magnet.core.nn;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.shape.Shape;

/** What the hand-written layers {@link ConvPoolBlock} and {@link ResidualBlock} share. */
final class ConvOps {
  private ConvOps() {}

  /**
   * A {@code kernel x kernel} convolution: this stride and padding, NHWC (the layout the layers
   * compute in, {@link #toNhwc}), weights YXIO.
   */
  static Conv2DConfig convolution(int kernel, int stride, Padding padding) {
    return Conv2DConfig.builder()
        .kH(kernel).kW(kernel)
        .sH(stride).sW(stride)
        .paddingMode(padding.mode())
        .dataFormat(Conv2DConfig.NHWC)
        .weightsFormat(WeightsFormat.YXIO)
        .build();
  }

  /**
   * An NCHW array (the layout between DL4J layers) as NHWC, the layout the hand-written layers
   * compute in: oneDNN runs their convolutions and pooling faster on NHWC than on NCHW, whose
   * arrays it reorders on every call, and to the same bits (docs/benchmarks.md, "Convolutions
   * in NHWC"). A view when there is one channel (the same memory), else a copy into the
   * workspace's array of {@code type}.
   */
  static INDArray toNhwc(INDArray nchw, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
    long[] s = nchw.shape();
    if (s[1] == 1 && nchw.ordering() == 'c' && Shape.hasDefaultStridesForShape(nchw)) {
      return nchw.reshape('c', s[0], s[2], s[3], 1);
    }
    return workspaceMgr.dup(type, nchw.permute(0, 2, 3, 1), 'c');
  }

  /** An NHWC array copied into a new c-ordered NCHW array of {@code type} (see {@link #toNhwc}). */
  static INDArray toNchw(INDArray nhwc, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
    long[] s = nhwc.shape();
    INDArray nchw = workspaceMgr.createUninitialized(type, nhwc.dataType(),
        new long[] {s[0], s[3], s[1], s[2]}, 'c');
    return nchw.assign(nhwc.permute(0, 3, 1, 2));
  }

  /** libnd4j's integer arguments of conv2d and conv2d_bp, in the order Conv2D writes them. */
  static int[] convolutionArgs(Conv2DConfig c) {
    long[] args = {c.getKH(), c.getKW(), c.getSH(), c.getSW(), c.getPH(), c.getPW(), c.getDH(),
        c.getDW(), c.getPaddingMode().index, "NCHW".equalsIgnoreCase(c.getDataFormat()) ? 0 : 1,
        c.getWeightsFormat().ordinal()};
    return Arrays.stream(args).mapToInt(Math::toIntExact).toArray();
  }

  /**
   * A layer's input as a c-ordered {@code [n, channels, h, w]} array of {@code dataType}, or an
   * exception naming the layer, the shape it needs and the shape it got.
   */
  static INDArray checkedInput(INDArray input, long channels, String layer, DataType dataType,
      LayerWorkspaceMgr workspaceMgr) {
    if (input.rank() != 4 || input.size(1) != channels) {
      throw new IllegalArgumentException("input of " + layer + " must be [n, " + channels
          + ", height, width] (NCHW); shape=" + Arrays.toString(input.shape()));
    }
    return contiguous(input.castTo(dataType), ArrayType.ACTIVATIONS, workspaceMgr);
  }

  /** The array itself when it is c-ordered with default strides, else a copy in that order. */
  private static INDArray contiguous(INDArray a, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
    return a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) ? a : workspaceMgr.dup(type, a, 'c');
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
