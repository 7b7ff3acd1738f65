package dev.magnet.core.nn;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A basic residual block, {@code relu(conv3x3(relu(conv3x3_s(x))) + skip(x))}, as one DL4J layer
 * built from native SameDiff ops in NCHW (why native ops: see {@link ConvPoolBlock}). Both
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
public class ResidualBlock extends NativeOpLayer {
  /** Kernel of the two main convolutions. */
  public static final int KERNEL = 3;
  /** Largest stride: a block halves the resolution at most, as in ResNet. */
  public static final int MAX_STRIDE = 2;
  private static final String W1 = "W1";
  private static final String B1 = "b1";
  private static final String W2 = "W2";
  private static final String B2 = "b2";
  private static final String WP = "Wp";
  private static final String BP = "bp";

  private long inChannels;
  private long outChannels;
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
    if (inChannels < 0) {
      throw new IllegalArgumentException(
          "inChannels must be non-negative (0 = from input type); inChannels=" + inChannels);
    }
    ConvOps.checkPositive("outChannels", outChannels);
    if (stride < 1 || stride > MAX_STRIDE) {
      throw new IllegalArgumentException("stride must be 1 or 2; stride=" + stride);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.stride = stride;
  }

  /** A block whose input channels come from the input type. */
  public static ResidualBlock of(long outChannels, int stride) {
    return new ResidualBlock(0, outChannels, stride);
  }

  public long getInChannels() {
    return inChannels;
  }

  public long getOutChannels() {
    return outChannels;
  }

  public int getStride() {
    return stride;
  }

  /** Whether the skip path is a 1x1 projection rather than the identity. */
  public boolean hasProjection() {
    return stride != 1 || inChannels != outChannels;
  }

  @Override
  public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params,
      SDVariable mask) {
    SDVariable h = sd.nn().relu(
        ConvOps.conv(sd, input, params.get(W1), params.get(B1), KERNEL, stride, Padding.SAME), 0.0);
    SDVariable main = ConvOps.conv(sd, h, params.get(W2), params.get(B2), KERNEL, 1, Padding.SAME);
    SDVariable skip = hasProjection()
        ? ConvOps.conv(sd, input, params.get(WP), params.get(BP), 1, stride, Padding.SAME)
        : input;
    return sd.nn().relu(main.add(skip), 0.0);
  }

  @Override
  public void defineParameters(SDLayerParams params) {
    params.clear();
    params.addWeightParam(W1, KERNEL, KERNEL, inChannels, outChannels);
    params.addBiasParam(B1, 1, outChannels);
    params.addWeightParam(W2, KERNEL, KERNEL, outChannels, outChannels);
    params.addBiasParam(B2, 1, outChannels);
    if (hasProjection()) {
      params.addWeightParam(WP, 1, 1, inChannels, outChannels);
      params.addBiasParam(BP, 1, outChannels);
    }
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    Map<String, long[]> fans = new HashMap<>();
    fans.put(W1, new long[] {inChannels * KERNEL * KERNEL, outChannels * KERNEL * KERNEL});
    fans.put(W2, new long[] {outChannels * KERNEL * KERNEL, outChannels * KERNEL * KERNEL});
    fans.put(WP, new long[] {inChannels, outChannels});
    ConvOps.heInit(params, fans);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeConvolutional in = ConvOps.convolutional(inputType, name());
    return InputType.convolutional(Padding.SAME.outputSize(in.getHeight(), KERNEL, stride),
        Padding.SAME.outputSize(in.getWidth(), KERNEL, stride), outChannels);
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    if (inChannels <= 0 || override) {
      inChannels = ConvOps.convolutional(inputType, name()).getChannels();
    }
  }

  @Override
  public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
    return ConvOps.preProcessor(inputType, name());
  }

  private String name() {
    return "ResidualBlock " + (getLayerName() == null ? "" : getLayerName());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResidualBlock other && super.equals(o) && inChannels == other.inChannels
        && outChannels == other.outChannels && stride == other.stride;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), inChannels, outChannels, stride);
  }

  @Override
  public String toString() {
    return "ResidualBlock(inChannels=" + inChannels + ", outChannels=" + outChannels + ", stride=" + stride + ")";
  }
}
