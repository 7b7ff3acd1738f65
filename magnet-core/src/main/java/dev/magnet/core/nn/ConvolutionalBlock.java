package dev.magnet.core.nn;

import java.util.Objects;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;

/**
 * What the configurations of Magnet's two convolutional blocks ({@link ConvPoolBlock},
 * {@link ResidualBlock}) share: their input and output channels, the input channels taken from
 * the input type when not given, the NCHW input check, the memory report's form, and equality over
 * the channels and the block's one more setting (padding, stride). The JSON of a saved model keeps
 * the field names {@code inChannels} and {@code outChannels}.
 */
abstract class ConvolutionalBlock extends HandWrittenLayer {
  private static final long serialVersionUID = 1L;

  private long inChannels;
  private long outChannels;

  /** For DL4J's JSON deserialisation. */
  ConvolutionalBlock() {}

  /**
   * @param inChannels input channels, or 0 to take them from the input type
   * @param outChannels output channels
   */
  ConvolutionalBlock(long inChannels, long outChannels) {
    if (inChannels < 0) {
      throw new IllegalArgumentException(
          "inChannels must be non-negative (0 = from input type); inChannels=" + inChannels);
    }
    ConvOps.checkPositive("outChannels", outChannels);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
  }

  public long getInChannels() {
    return inChannels;
  }

  public long getOutChannels() {
    return outChannels;
  }

  /** The block's setting besides its channels, by name: ConvPoolBlock's padding, ResidualBlock's stride. */
  abstract String settingName();

  abstract Object setting();

  /** How errors name the block: its class and layer name. */
  String name() {
    return getClass().getSimpleName() + " " + (getLayerName() == null ? "" : getLayerName());
  }

  /**
   * The memory report of a block that keeps {@code keptPerExample} values an example for its
   * backward pass, which needs {@code trainingFactor} times as much while it runs.
   */
  LayerMemoryReport memoryReport(InputType inputType, long keptPerExample, long trainingFactor) {
    long params = initializer().numParams(this);
    long updaterState = getIUpdater() == null ? 0 : getIUpdater().stateSize(params);
    return new LayerMemoryReport.Builder(getLayerName(), getClass(), inputType, getOutputType(-1, inputType))
        .standardMemory(params, updaterState)
        .workingMemory(0, keptPerExample, 0, trainingFactor * keptPerExample)
        .cacheMemory(MemoryReport.CACHE_MODE_ALL_ZEROS, MemoryReport.CACHE_MODE_ALL_ZEROS)
        .build();
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

  @Override
  public boolean equals(Object o) {
    return o != null && o.getClass() == getClass() && super.equals(o)
        && inChannels == ((ConvolutionalBlock) o).inChannels && outChannels == ((ConvolutionalBlock) o).outChannels
        && Objects.equals(setting(), ((ConvolutionalBlock) o).setting());
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), inChannels, outChannels, setting());
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "(inChannels=" + inChannels + ", outChannels=" + outChannels + ", "
        + settingName() + "=" + setting() + ")";
  }
}
