package dev.magnet.core.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A basic residual block, {@code relu(conv3x3(relu(conv3x3_s(x))) + skip(x))}, as one hand-written
 * DL4J layer of libnd4j's native ops in NCHW ({@link ResidualLayer}; why not a {@code SameDiffLayer}:
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
public class ResidualBlock extends HandWrittenLayer {
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
  org.deeplearning4j.nn.layers.BaseLayer<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
    return new ResidualLayer(conf, dataType);
  }

  /**
   * The weights, then the biases (the SameDiff version's order, so its saved models load):
   * {@code W1}, {@code W2}, {@code Wp} (with a projection), {@code b1}, {@code b2}, {@code bp}.
   */
  @Override
  public List<ParamSpec> params() {
    List<ParamSpec> params = new ArrayList<>();
    params.add(ParamSpec.weight(W1, inChannels * KERNEL * KERNEL, outChannels * KERNEL * KERNEL,
        KERNEL, KERNEL, inChannels, outChannels));
    params.add(ParamSpec.weight(W2, outChannels * KERNEL * KERNEL, outChannels * KERNEL * KERNEL,
        KERNEL, KERNEL, outChannels, outChannels));
    if (hasProjection()) {
      params.add(ParamSpec.weight(WP, inChannels, outChannels, 1, 1, inChannels, outChannels));
    }
    params.add(ParamSpec.bias(B1, outChannels));
    params.add(ParamSpec.bias(B2, outChannels));
    if (hasProjection()) {
      params.add(ParamSpec.bias(BP, outChannels));
    }
    return params;
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    long params = initializer().numParams(this);
    long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(params);
    InputType output = getOutputType(-1, inputType);
    // The first convolution's ReLU output is kept for the backward pass, which needs as much again.
    long perExample = output.arrayElementsPerExample();
    return new LayerMemoryReport.Builder(getLayerName(), ResidualBlock.class, inputType, output)
        .standardMemory(params, updaterState)
        .workingMemory(0, perExample, 0, 3 * perExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
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
