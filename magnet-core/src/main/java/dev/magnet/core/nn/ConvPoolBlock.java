package dev.magnet.core.nn;

import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

/**
 * Conv 3x3 + bias + ReLU + max-pool 2x2/2 as one DL4J layer built from native SameDiff ops, NCHW.
 *
 * <p>Why not DL4J's {@code ConvolutionLayer} + {@code SubsamplingLayer}: DL4J M2.1 looks its
 * oneDNN helpers up under a class name that no longer exists, so those layers never use oneDNN
 * and train {@code fmnist-cnn} at 240–270 examples/s (embedding 1,000–1,400 images/s) on two
 * cores. The same network with its conv + pool blocks as native-op {@code SameDiffLayer}s on the
 * {@code -onednn} natives measured 860–925 and 6,000 (DESIGN.md §4), and stays a
 * {@code MultiLayerNetwork}, which is what dl4j-spark trains.
 *
 * <p>Parameters: {@code W} of shape {@code [3, 3, inChannels, outChannels]} (SameDiff conv2d's layout) and
 * {@code b} of shape {@code [1, outChannels]}; He-initialised because ReLU follows. The output of an
 * {@code h x w} input is {@code floor(h'/2) x floor(w'/2)} where {@code h' = h - 2} for
 * {@link Padding#VALID} and {@code h' = h} for {@link Padding#SAME}, as PyTorch's
 * {@code max_pool2d(relu(conv(x)), 2)}.
 *
 * <p>Fields are not final: DL4J's Jackson mapper fills them through the no-arg constructor and
 * {@link #setNIn} sets {@code inChannels} from the input type when the configuration is built.
 */
public class ConvPoolBlock extends NativeOpLayer {
  /** Kernel of the convolution: the reference network's only kernel size. */
  public static final int KERNEL = 3;
  /** Pooling window and stride: halves the resolution, as in the reference network. */
  public static final int POOL = 2;
  static final String WEIGHT_KEY = "W";
  static final String BIAS_KEY = "b";

  private long inChannels;
  private long outChannels;
  private Padding padding;

  /** For DL4J's JSON deserialisation only. */
  @SuppressWarnings("unused")
  private ConvPoolBlock() {}

  /**
   * @param inChannels input channels, or 0 to take them from the input type
   * @param outChannels output channels (number of filters)
   * @param padding padding of the 3x3 convolution
   */
  public ConvPoolBlock(long inChannels, long outChannels, Padding padding) {
    if (inChannels < 0) {
      throw new IllegalArgumentException(
          "inChannels must be non-negative (0 = from input type); inChannels=" + inChannels);
    }
    ConvOps.checkPositive("outChannels", outChannels);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.padding = Objects.requireNonNull(padding, "padding");
  }

  /** A block whose input channels come from the input type. */
  public static ConvPoolBlock of(long outChannels, Padding padding) {
    return new ConvPoolBlock(0, outChannels, padding);
  }

  public long getInChannels() {
    return inChannels;
  }

  public long getOutChannels() {
    return outChannels;
  }

  public Padding getPadding() {
    return padding;
  }

  @Override
  public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params,
      SDVariable mask) {
    SDVariable conv = ConvOps.conv(sd, input, params.get(WEIGHT_KEY), params.get(BIAS_KEY), KERNEL,
        1, padding);
    Pooling2DConfig pool = Pooling2DConfig.builder()
        .kH(POOL).kW(POOL)
        .sH(POOL).sW(POOL)
        .isNHWC(false)
        .build();
    return sd.cnn().maxPooling2d(sd.nn().relu(conv, 0.0), pool);
  }

  @Override
  public void defineParameters(SDLayerParams params) {
    params.clear();
    params.addWeightParam(WEIGHT_KEY, KERNEL, KERNEL, inChannels, outChannels);
    params.addBiasParam(BIAS_KEY, 1, outChannels);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    ConvOps.heInit(params, Map.of(WEIGHT_KEY,
        new long[] {inChannels * KERNEL * KERNEL, outChannels * KERNEL * KERNEL}));
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeConvolutional in = ConvOps.convolutional(inputType, name());
    long h = padding.outputSize(in.getHeight(), KERNEL, 1) / POOL;
    long w = padding.outputSize(in.getWidth(), KERNEL, 1) / POOL;
    if (h <= 0 || w <= 0) {
      throw new IllegalArgumentException("input of " + name() + " is too small for conv "
          + KERNEL + "x" + KERNEL + " " + padding + " + pool " + POOL + "; height=" + in.getHeight()
          + " width=" + in.getWidth());
    }
    return InputType.convolutional(h, w, outChannels);
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
    return "ConvPoolBlock " + (getLayerName() == null ? "" : getLayerName());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConvPoolBlock other && super.equals(o) && inChannels == other.inChannels
        && outChannels == other.outChannels && padding == other.padding;
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), inChannels, outChannels, padding);
  }

  @Override
  public String toString() {
    return "ConvPoolBlock(inChannels=" + inChannels + ", outChannels=" + outChannels + ", padding=" + padding + ")";
  }
}
