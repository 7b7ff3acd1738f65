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
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the runtime layers of Magnet's hand-written layers ({@link ConvPoolLayer},
 * {@link ResidualLayer}) share: they keep arrays of the training forward pass for the backward
 * pass, end in a ReLU, and back-propagate through libnd4j's {@code conv2d_bp}.
 */
abstract class HandWrittenRuntime<C extends HandWrittenLayer> extends BaseLayer<C> {
  private static final long serialVersionUID = 1L;

  HandWrittenRuntime(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  /** Drops the forward pass's arrays: they live in a workspace that is about to be reused. */
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
    forget();
  }

  /** Refuses a backward pass when {@code kept} shows no training forward pass came first. */
  void requireForwardPass(INDArray kept) {
    if (kept == null) {
      throw new IllegalStateException("backpropGradient of " + layerId()
          + " needs a forward pass in training mode first (activate(true, ...))");
    }
  }

  /**
   * The layer's input, NCHW as between DL4J layers, as the NHWC array its ops run on
   * ({@link ConvOps#toNhwc}), in the workspace's array of {@code type}: the activations when the
   * backward pass needs it.
   */
  INDArray nhwcInput(long channels, ArrayType type, LayerWorkspaceMgr workspaceMgr) {
    return ConvOps.toNhwc(ConvOps.checkedInput(input, channels, layerId(), dataType, workspaceMgr),
        type, workspaceMgr);
  }

  /**
   * The gradient before a ReLU whose NHWC output was {@code reluOutput}, from the NCHW gradient
   * DL4J passes down ({@code epsilon}): relu_bp with the output for its input, which is positive
   * exactly where the input was.
   */
  INDArray reluGradient(INDArray reluOutput, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    INDArray eps = ConvOps.toNhwc(epsilon, ArrayType.BP_WORKING_MEM, workspaceMgr);
    INDArray grad = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, reluOutput.dataType(),
        reluOutput.shape(), 'c');
    Nd4j.exec(new RectifiedLinearDerivative(reluOutput, eps, grad));
    return grad;
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

  /**
   * What backpropGradient returns: the parameters' gradients and the gradient at the input, given
   * NHWC ({@code gradInput}) and handed down NCHW; the forward pass's arrays are dropped.
   */
  Pair<Gradient, INDArray> backpropResult(INDArray gradInput, LayerWorkspaceMgr workspaceMgr) {
    Gradient gradient = gradients();
    forget();
    return new Pair<>(gradient,
        backpropDropOutIfPresent(ConvOps.toNchw(gradInput, ArrayType.ACTIVATION_GRAD, workspaceMgr)));
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
