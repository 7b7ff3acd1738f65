package dev.magnet.core.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of a {@link ResidualBlock}: {@code out = relu(conv2(h) + skip(x))} with
 * {@code h = relu(conv1(x))} forward; backward {@code relu_bp} on {@code out}, {@code conv2d_bp}
 * through {@code conv2}, {@code relu_bp} on {@code h}, {@code conv2d_bp} through {@code conv1} and
 * the projection, each op once, on the arrays kept from the forward pass.
 */
final class ResidualLayer extends BaseLayer<ResidualBlock> {
  private static final long serialVersionUID = 1L;

  /** The (c-ordered) input, {@code h} and the output of the last training forward pass. */
  private transient INDArray convInput;
  private transient INDArray hidden;
  private transient INDArray output;
  /** The op settings, built once rather than on every pass. */
  private transient Conv2DConfig first;
  private transient Conv2DConfig second;
  private transient Conv2DConfig projection;

  ResidualLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private void settings() {
    if (first == null) {
      int stride = layerConf().getStride();
      first = ConvOps.convolution(ResidualBlock.KERNEL, stride, Padding.SAME);
      second = ConvOps.convolution(ResidualBlock.KERNEL, 1, Padding.SAME);
      projection = ConvOps.convolution(1, stride, Padding.SAME);
    }
  }

  @Override
  public Type type() {
    return Type.CONVOLUTIONAL;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, workspaceMgr);
    settings();
    ResidualBlock block = layerConf();
    INDArray x = ConvOps.checkedInput(input, block.getInChannels(), layerId(), dataType, workspaceMgr);
    long n = x.size(0);
    long h = Padding.SAME.outputSize(x.size(2), ResidualBlock.KERNEL, block.getStride());
    long w = Padding.SAME.outputSize(x.size(3), ResidualBlock.KERNEL, block.getStride());
    long[] shape = {n, block.getOutChannels(), h, w};
    INDArray hid = workspaceMgr.createUninitialized(
        training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM, x.dataType(), shape, 'c');
    Nd4j.exec(new Conv2D(x, param(ResidualBlock.W1, training, workspaceMgr),
        param(ResidualBlock.B1, training, workspaceMgr), hid, first));
    Nd4j.exec(new RectifiedLinear(hid, hid, 0.0));
    INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), shape, 'c');
    Nd4j.exec(new Conv2D(hid, param(ResidualBlock.W2, training, workspaceMgr),
        param(ResidualBlock.B2, training, workspaceMgr), out, second));
    if (block.hasProjection()) {
      INDArray skip = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, x.dataType(), shape, 'c');
      Nd4j.exec(new Conv2D(x, param(ResidualBlock.WP, training, workspaceMgr),
          param(ResidualBlock.BP, training, workspaceMgr), skip, projection));
      out.addi(skip);
    } else {
      out.addi(x);
    }
    Nd4j.exec(new RectifiedLinear(out, out, 0.0));
    convInput = training ? x : null;
    hidden = training ? hid : null;
    output = training ? out : null;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (hidden == null) {
      throw new IllegalStateException("backpropGradient of " + layerId()
          + " needs a forward pass in training mode first (activate(true, ...))");
    }
    settings();
    ResidualBlock block = layerConf();
    INDArray eps = ConvOps.contiguous(epsilon, ArrayType.ACTIVATION_GRAD, workspaceMgr);
    // relu_bp with the ReLU's output for its input: output > 0 exactly where the input was.
    INDArray gradSum = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, output.dataType(),
        output.shape(), 'c');
    Nd4j.exec(new RectifiedLinearDerivative(output, eps, gradSum));

    INDArray gradHidden = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, hidden.dataType(),
        hidden.shape(), 'c');
    convBackprop(hidden, ResidualBlock.W2, ResidualBlock.B2, gradSum, gradHidden, second, workspaceMgr);
    Nd4j.exec(new RectifiedLinearDerivative(hidden, gradHidden, gradHidden));

    INDArray gradInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD,
        convInput.dataType(), convInput.shape(), 'c');
    convBackprop(convInput, ResidualBlock.W1, ResidualBlock.B1, gradHidden, gradInput, first, workspaceMgr);
    if (block.hasProjection()) {
      INDArray gradSkip = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM,
          convInput.dataType(), convInput.shape(), 'c');
      convBackprop(convInput, ResidualBlock.WP, ResidualBlock.BP, gradSum, gradSkip, projection, workspaceMgr);
      gradInput.addi(gradSkip);
    } else {
      gradInput.addi(gradSum);
    }

    Gradient gradient = new DefaultGradient();
    for (ParamSpec p : block.params()) {
      gradient.gradientForVariable().put(p.key(), gradientViews.get(p.key()));
    }
    forget();
    return new Pair<>(gradient, backpropDropOutIfPresent(gradInput));
  }

  /** conv2d_bp: the gradient at the input into {@code gradIn}, at W and b into their views. */
  private void convBackprop(INDArray in, String weight, String bias, INDArray gradOut, INDArray gradIn,
      Conv2DConfig config, LayerWorkspaceMgr workspaceMgr) {
    Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
        .addInputs(in, param(weight, true, workspaceMgr), param(bias, true, workspaceMgr), gradOut)
        .addOutputs(gradIn, gradientViews.get(weight), gradientViews.get(bias))
        .addIntegerArguments(ConvOps.convolutionArgs(config))
        .build());
  }

  private INDArray param(String key, boolean training, LayerWorkspaceMgr workspaceMgr) {
    return getParamWithNoise(key, training, workspaceMgr);
  }

  @Override
  public void clear() {
    super.clear();
    forget();
  }

  /** Drops the forward pass's arrays: they live in a workspace that is about to be reused. */
  private void forget() {
    convInput = null;
    hidden = null;
    output = null;
  }
}
