package dev.magnet.core.nn;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

/**
 * Conv 3x3 + bias + ReLU + max-pool 2x2/2 as one DL4J layer of native ops (libnd4j's
 * {@code conv2d}, {@code relu}, {@code maxpool2d} and their backward ops, run by oneDNN on the
 * {@code -onednn} natives). It takes and gives NCHW, as DL4J's convolutional layers do, and runs
 * the ops on NHWC copies, which oneDNN computes faster and to the same bits ({@link ConvOps#toNhwc}).
 *
 * <p>Why its own layer: DL4J's {@code ConvolutionLayer} + {@code SubsamplingLayer} never use
 * oneDNN in M2.1 (its helpers are off by default, and the switch they read is looked up under a
 * class name that no longer exists) and train {@code fmnist-cnn} several times slower (docs/design.md,
 * "Reasons for the main choices"). A {@code SameDiffLayer} of the same ops does use oneDNN, but
 * DL4J's SameDiff bridge runs the forward ops a second time inside every backward pass, and in
 * M2.1 returns twice the gradient (Magnet divided it by two while its layers were SameDiff ones).
 * This layer runs each op once, and pools before the ReLU (the same output: ReLU is monotone, so it
 * commutes with max) so that the ReLU and its gradient see a quarter of the values. The forward
 * pass keeps the convolution's output and the layer's output in the activations workspace; the
 * backward pass runs {@code relu_bp}, {@code maxpool2d_bp} and {@code conv2d_bp} on them. Its speed
 * against the {@code SameDiffLayer} is in docs/benchmarks.md ({@code NetworkBenchmark}).
 *
 * <p>Parameters: {@code W} of shape {@code [3, 3, inChannels, outChannels]} (libnd4j's {@code YXIO}
 * weight layout, which SameDiff's conv2d uses too, so models saved with the SameDiff version of
 * this layer load unchanged) and {@code b} of shape {@code [1, outChannels]}, in that order in the
 * parameter vector; the weights are initialised by the configuration's weight init (He, for the
 * ReLU that follows, when none is set), the biases to zero. The output of an {@code h x w} input is
 * {@code floor(h'/2) x floor(w'/2)} where {@code h' = h - 2} for {@link Padding#VALID} and
 * {@code h' = h} for {@link Padding#SAME}, as PyTorch's {@code max_pool2d(relu(conv(x)), 2)}.
 *
 * <p>Fields are not final: DL4J's Jackson mapper fills them through the no-arg constructor and
 * {@link #setNIn} sets {@code inChannels} from the input type when the configuration is built.
 */
public class ConvPoolBlock extends ConvolutionalBlock {
  private static final long serialVersionUID = 1L;
  public static final int KERNEL = 3;
  /** Pooling window and stride: halves the resolution, as in the reference network. */
  public static final int POOL = 2;
  static final String WEIGHT_KEY = "W";
  static final String BIAS_KEY = "b";

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
    super(inChannels, outChannels);
    this.padding = Objects.requireNonNull(padding, "padding");
  }

  /** A block whose input channels come from the input type. */
  public static ConvPoolBlock of(long outChannels, Padding padding) {
    return new ConvPoolBlock(0, outChannels, padding);
  }

  public Padding getPadding() {
    return padding;
  }

  @Override
  String settingName() {
    return "padding";
  }

  @Override
  Object setting() {
    return padding;
  }

  @Override
  org.deeplearning4j.nn.layers.BaseLayer<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
    return new ConvPoolLayer(conf, dataType);
  }

  /** {@code W [3, 3, in, out]} (He: fans in·9 and out·9), then {@code b [1, out]}. */
  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.weight(WEIGHT_KEY, getInChannels() * KERNEL * KERNEL, getOutChannels() * KERNEL * KERNEL,
            KERNEL, KERNEL, getInChannels(), getOutChannels()),
        ParamSpec.bias(BIAS_KEY, getOutChannels()));
  }

  @Override
  public LayerMemoryReport getMemoryReport(InputType inputType) {
    InputType.InputTypeConvolutional in = ConvOps.convolutional(inputType, name());
    // The ReLU output before pooling: scratch in inference, kept for the backward pass in training,
    // where its gradient needs as much again.
    long reluPerExample = getOutChannels() * padding.outputSize(in.getHeight(), KERNEL, 1)
        * padding.outputSize(in.getWidth(), KERNEL, 1);
    return memoryReport(inputType, reluPerExample, 2);
  }

  /** The convolution's settings: 3x3, stride 1, this block's padding, NCHW, weights YXIO. */
  Conv2DConfig convolution() {
    return ConvOps.convolution(KERNEL, 1, padding);
  }

  /** The pooling's settings: max over 2x2 windows with stride 2, no padding, NHWC. */
  static Pooling2DConfig pooling() {
    return Pooling2DConfig.builder()
        .kH(POOL).kW(POOL)
        .sH(POOL).sW(POOL)
        .type(Pooling2D.Pooling2DType.MAX)
        .isNHWC(true)
        .build();
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
    return InputType.convolutional(h, w, getOutChannels());
  }
}
