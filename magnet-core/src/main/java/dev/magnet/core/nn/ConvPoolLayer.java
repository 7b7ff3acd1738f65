package dev.magnet.core.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2DDerivative;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of a {@link ConvPoolBlock}: {@code relu(maxpool2d(conv2d(x, W, b)))} forward,
 * and {@code conv2d_bp(maxpool2d_bp(relu_bp(...)))} backward on the arrays kept from the
 * forward pass, each op run once.
 */
final class ConvPoolLayer extends HandWrittenRuntime<ConvPoolBlock> {
  private static final long serialVersionUID = 1L;

  /** The (c-ordered) input of the last training forward pass, in the activations workspace. */
  private transient INDArray convInput;
  /** conv(x) + bias of the last training forward pass, in the activations workspace. */
  private transient INDArray conv;
  /** The layer's output of the last training forward pass (the ReLU's output). */
  private transient INDArray output;

  /** The op settings, built once rather than on every pass. */
  private transient Conv2DConfig convolution;
  private transient int[] convolutionArgs;
  private transient Pooling2DConfig pooling;

  ConvPoolLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private void settings() {
    if (convolution == null) {
      convolution = layerConf().convolution();
      convolutionArgs = ConvOps.convolutionArgs(convolution);
      pooling = ConvPoolBlock.pooling();
    }
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, workspaceMgr);
    ConvPoolBlock block = layerConf();
    settings();
    INDArray x = ConvOps.checkedInput(input, block.getInChannels(), layerId(), dataType, workspaceMgr);
    INDArray w = getParamWithNoise(ConvPoolBlock.WEIGHT_KEY, training, workspaceMgr);
    INDArray b = getParamWithNoise(ConvPoolBlock.BIAS_KEY, training, workspaceMgr);
    long n = x.size(0);
    long h = block.getPadding().outputSize(x.size(2), ConvPoolBlock.KERNEL, 1);
    long wd = block.getPadding().outputSize(x.size(3), ConvPoolBlock.KERNEL, 1);
    // max-pool then ReLU: the same output as ReLU then max-pool (ReLU is monotone, so it commutes
    // with max), with the ReLU and its gradient on a quarter of the values.
    INDArray z = workspaceMgr.createUninitialized(
        training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM, x.dataType(),
        new long[] {n, block.getOutChannels(), h, wd}, 'c');
    Nd4j.exec(new Conv2D(x, w, b, z, convolution));
    INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(),
        new long[] {n, block.getOutChannels(), h / ConvPoolBlock.POOL, wd / ConvPoolBlock.POOL}, 'c');
    Nd4j.exec(new MaxPooling2D(z, out, pooling));
    Nd4j.exec(new RectifiedLinear(out, out, 0.0));
    convInput = training ? x : null;
    conv = training ? z : null;
    output = training ? out : null;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    requireForwardPass(conv);
    settings();
    INDArray gradPool = reluGradient(output, epsilon, workspaceMgr);
    INDArray gradConv = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, conv.dataType(),
        conv.shape(), 'c');
    Nd4j.exec(new Pooling2DDerivative(conv, gradPool, gradConv, pooling));
    INDArray gradInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD,
        convInput.dataType(), convInput.shape(), 'c');
    convBackprop(convInput, ConvPoolBlock.WEIGHT_KEY, ConvPoolBlock.BIAS_KEY, gradConv, gradInput,
        convolutionArgs, workspaceMgr);
    Gradient gradient = gradients();
    forget();
    return new Pair<>(gradient, backpropDropOutIfPresent(gradInput));
  }

  @Override
  void forget() {
    convInput = null;
    conv = null;
    output = null;
  }
}
