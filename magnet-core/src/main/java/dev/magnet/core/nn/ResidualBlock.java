package dev.magnet.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A basic residual block, {@code relu(conv3x3(relu(conv3x3_s(x))) + skip(x))}, as one hand-written
 * DL4J layer of libnd4j's native ops, NCHW in and out, NHWC inside ({@link ResidualLayer}; why not a {@code SameDiffLayer}:
 * see {@link ConvPoolBlock}). Both
 * convolutions pad {@link Padding#SAME}; the first has stride {@code s}. The skip is the identity
 * when the shape is unchanged, else a 1x1 convolution with stride {@code s} (a projection).
 *
 * <p>Parameters: {@code W1 [3,3,inChannels,outChannels]}, {@code b1}, {@code W2 [3,3,outChannels,outChannels]}, {@code b2}
 * and, with a projection, {@code Wp [1,1,inChannels,outChannels]}, {@code bp}; biases {@code [1,outChannels]}. There is
 * no batch normalisation: DL4J's MultiLayerNetwork would need it as separate layers.
 *
 * <p>Fields are not final: DL4J's Jackson mapper fills them through the no-arg constructor and
 * {@link #setNIn} sets {@code inChannels} from the input type when the configuration is built.
 */
public class ResidualBlock extends ConvolutionalBlock {
  private static final long serialVersionUID = 1L;
  /** Kernel of the two main convolutions. */
  public static final int KERNEL = 3;
  /** Largest stride: a block halves the resolution at most, as in ResNet. */
  public static final int MAX_STRIDE = 2;
  static final String W1 = "W1";
  static final String B1 = "b1";
  static final String W2 = "W2";
  static final String B2 = "b2";
  static final String WP = "Wp";
  static final String BP = "bp";

  private int stride;

  /** For DL4J's JSON deserialisation only. */
  @SuppressWarnings("unused")
  private ResidualBlock() {}

  /**
   * @param inChannels input channels, or 0 to take them from the input type
   * @param outChannels output channels
   * @param stride stride of the first convolution and of the projection, 1 or 2
   */
  public ResidualBlock(long inChannels, long outChannels, int stride) {
    super(inChannels, outChannels);
    if (stride < 1 || stride > MAX_STRIDE) {
      throw new IllegalArgumentException("stride must be 1 or 2; stride=" + stride);
    }
    this.stride = stride;
  }

  /** A block whose input channels come from the input type. */
  public static ResidualBlock of(long outChannels, int stride) {
    return new ResidualBlock(0, outChannels, stride);
  }

  public int getStride() {
    return stride;
  }

  @Override
  String settingName() {
    return "stride";
  }

  @Override
  Object setting() {
    return stride;
  }

  /** Whether the skip path is a 1x1 projection rather than the identity. */
  public boolean hasProjection() {
    return stride != 1 || getInChannels() != getOutChannels();
  }

  @Override
  org.deeplearning4j.nn.layers.BaseLayer<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
    return new ResidualLayer(conf, dataType);
  }

  /**
   * The weights, then the biases (the SameDiff version's order, so its saved models load):
   * {@code W1}, {@code W2}, {@code Wp} (with a projection), {@code b1}, {@code b2}, {@code bp}.
   */
  @Override
  public List<ParamSpec> params() {
    long in = getInChannels();
    long out = getOutChannels();
    List<ParamSpec> params = new ArrayList<>();
    params.add(ParamSpec.weight(W1, in * KERNEL * KERNEL, out * KERNEL * KERNEL,
        KERNEL, KERNEL, in, out));
    params.add(ParamSpec.weight(W2, out * KERNEL * KERNEL, out * KERNEL * KERNEL,
        KERNEL, KERNEL, out, out));
    if (hasProjection()) {
      params.add(ParamSpec.weight(WP, in, out, 1, 1, in, out));
    }
    params.add(ParamSpec.bias(B1, out));
    params.add(ParamSpec.bias(B2, out));
    if (hasProjection()) {
      params.add(ParamSpec.bias(BP, out));
    }
    return params;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    // The first convolution's ReLU output is kept for the backward pass, which needs as much again.
    return memoryReport(inputType, getOutputType(-1, inputType).arrayElementsPerExample(), 3);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeConvolutional in = ConvOps.convolutional(inputType, name());
    return InputType.convolutional(Padding.SAME.outputSize(in.getHeight(), KERNEL, stride),
        Padding.SAME.outputSize(in.getWidth(), KERNEL, stride), getOutChannels());
  }
}
