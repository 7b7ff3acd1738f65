package dev.magnet.core.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the runtime layers of Magnet's hand-written layers ({@link ConvPoolLayer},
 * {@link ResidualLayer}) share: DL4J's forward and backward protocol around their ops. They take
 * and give NCHW and compute in NHWC ({@link ConvOps#toNhwc}), keep the input and the output of the
 * training forward pass (and what else {@link #forward} keeps) for the backward pass, end in a
 * ReLU, and back-propagate through libnd4j's {@code conv2d_bp}.
 */
abstract class HandWrittenRuntime<C extends ConvolutionalBlock> extends BaseLayer<C> {
  private static final long serialVersionUID = 1L;

  /** The input of the last training forward pass, NHWC, in the activations workspace. */
  private transient INDArray keptInput;
  /** The final ReLU's output of the last training forward pass, NHWC (the layer returns it as NCHW). */
  private transient INDArray keptOutput;

  HandWrittenRuntime(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /**
   * The layer's ops on its NHWC input {@code x} up to its final ReLU, which {@link #activate} applies
   * in place to what this returns (NHWC). In training, it keeps what {@link #backward} needs besides
   * the input and the output.
   *
   * @param kept the workspace's array for what the backward pass needs: the activations in
   *     training, else working memory
   */
  abstract INDArray forward(INDArray x, boolean training, ArrayType kept, LayerWorkspaceMgr workspaceMgr);

  /**
   * The gradient at the NHWC input {@code x} of the last training forward pass, from the gradient
   * before its final ReLU ({@code gradOut}, NHWC); the parameters' gradients go into their views.
   */
  abstract INDArray backward(INDArray x, INDArray gradOut, LayerWorkspaceMgr workspaceMgr);

  /** Drops what {@link #forward} kept: it lives in a workspace that is about to be reused. */
  abstract void forget();

  @Override
  public Type type() {
    return Type.CONVOLUTIONAL;
  }

  @Override
  public boolean isPretrainLayer() {
    return false;
  }

  @Override
  public void clear() {
    super.clear();
    forgetAll();
  }

  private void forgetAll() {
    keptInput = null;
    keptOutput = null;
    forget();
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(false);
    applyDropOutIfNecessary(training, workspaceMgr);
    ArrayType kept = training ? ArrayType.ACTIVATIONS : ArrayType.FF_WORKING_MEM;
    INDArray x = ConvOps.toNhwc(ConvOps.checkedInput(input, layerConf().getInChannels(), layerId(), dataType,
        workspaceMgr), kept, workspaceMgr);
    INDArray output = forward(x, training, kept, workspaceMgr);
    Nd4j.exec(new RectifiedLinear(output, output, 0.0));
    keptInput = training ? x : null;
    keptOutput = training ? output : null;
    return ConvOps.toNchw(output, ArrayType.ACTIVATIONS, workspaceMgr);
  }

  /**
   * relu_bp (with the kept output for its input, which is positive exactly where the input was)
   * on the NCHW gradient DL4J passes down ({@code epsilon}), then the layer's {@link #backward};
   * returns the parameters' gradients and the gradient at the input, handed down NCHW. The
   * forward pass's arrays are dropped.
   */
  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (keptOutput == null) {
      throw new IllegalStateException("backpropGradient of " + layerId()
          + " needs a forward pass in training mode first (activate(true, ...))");
    }
    INDArray eps = ConvOps.toNhwc(epsilon, ArrayType.BP_WORKING_MEM, workspaceMgr);
    INDArray gradOut = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, keptOutput.dataType(),
        keptOutput.shape(), 'c');
    Nd4j.exec(new RectifiedLinearDerivative(keptOutput, eps, gradOut));
    INDArray gradInput = backward(keptInput, gradOut, workspaceMgr);
    Gradient gradient = gradients();
    forgetAll();
    return new Pair<>(gradient,
        backpropDropOutIfPresent(ConvOps.toNchw(gradInput, ArrayType.ACTIVATION_GRAD, workspaceMgr)));
  }

  /** conv2d_bp: the gradient at the input into {@code gradIn}, at W and b into their views. */
  void convBackprop(INDArray in, String weight, String bias, INDArray gradOut, INDArray gradIn,
      int[] convolutionArgs, LayerWorkspaceMgr workspaceMgr) {
    Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
        .addInputs(in, getParamWithNoise(weight, true, workspaceMgr),
            getParamWithNoise(bias, true, workspaceMgr), gradOut)
        .addOutputs(gradIn, gradientViews.get(weight), gradientViews.get(bias))
        .addIntegerArguments(convolutionArgs)
        .build());
  }

  /** The parameters' gradients, the views that the backward pass wrote. */
  private Gradient gradients() {
    Gradient gradient = new DefaultGradient();
    for (ParamSpec p : layerConf().params()) {
      gradient.gradientForVariable().put(p.key(), gradientViews.get(p.key()));
    }
    return gradient;
  }
}
