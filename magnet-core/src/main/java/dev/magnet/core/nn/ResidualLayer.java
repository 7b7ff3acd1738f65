package dev.magnet.core.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of a {@link ResidualBlock}: {@code out = relu(conv2(h) + skip(x))} with
 * {@code h = relu(conv1(x))} forward; backward {@code relu_bp} on {@code out}, {@code conv2d_bp}
 * through {@code conv2}, {@code relu_bp} on {@code h}, {@code conv2d_bp} through {@code conv1} and
 * the projection, each op once, on the arrays kept from the forward pass. The ops run on NHWC
 * arrays; input and output are NCHW, as between all DL4J layers ({@link ConvOps#toNhwc}).
 */
final class ResidualLayer extends HandWrittenRuntime<ResidualBlock> {
  private static final long serialVersionUID = 1L;

  /** {@code h} of the last training forward pass, NHWC. */
  private transient INDArray hidden;
  /** The op settings, built once rather than on every pass. */
  private transient Conv2DConfig first;
  private transient Conv2DConfig second;
  private transient Conv2DConfig projection;
  private transient int[] firstArgs;
  private transient int[] secondArgs;
  private transient int[] projectionArgs;

  ResidualLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private void settings() {
    if (first == null) {
      int stride = layerConf().getStride();
      first = ConvOps.convolution(ResidualBlock.KERNEL, stride, Padding.SAME);
      second = ConvOps.convolution(ResidualBlock.KERNEL, 1, Padding.SAME);
      projection = ConvOps.convolution(1, stride, Padding.SAME);
      firstArgs = ConvOps.convolutionArgs(first);
      secondArgs = ConvOps.convolutionArgs(second);
      projectionArgs = ConvOps.convolutionArgs(projection);
    }
  }

  @Override
  INDArray forward(INDArray x, boolean training, ArrayType kept, LayerWorkspaceMgr workspaceMgr) {
    settings();
    ResidualBlock block = layerConf();
    long n = x.size(0);
    long h = Padding.SAME.outputSize(x.size(1), ResidualBlock.KERNEL, block.getStride());
    long w = Padding.SAME.outputSize(x.size(2), ResidualBlock.KERNEL, block.getStride());
    long[] shape = {n, h, w, block.getOutChannels()};
    INDArray hid = workspaceMgr.createUninitialized(kept, x.dataType(), shape, 'c');
    Nd4j.exec(new Conv2D(x, param(ResidualBlock.W1, training, workspaceMgr),
        param(ResidualBlock.B1, training, workspaceMgr), hid, first));
    Nd4j.exec(new RectifiedLinear(hid, hid, 0.0));
    INDArray out = workspaceMgr.createUninitialized(kept, x.dataType(), shape, 'c');
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
    hidden = training ? hid : null;
    return out;
  }

  @Override
  INDArray backward(INDArray x, INDArray gradSum, LayerWorkspaceMgr workspaceMgr) {
    settings();
    ResidualBlock block = layerConf();
    INDArray gradHidden = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, hidden.dataType(),
        hidden.shape(), 'c');
    convBackprop(hidden, ResidualBlock.W2, ResidualBlock.B2, gradSum, gradHidden, secondArgs, workspaceMgr);
    Nd4j.exec(new RectifiedLinearDerivative(hidden, gradHidden, gradHidden));

    INDArray gradInput = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(), x.shape(), 'c');
    convBackprop(x, ResidualBlock.W1, ResidualBlock.B1, gradHidden, gradInput, firstArgs, workspaceMgr);
    if (block.hasProjection()) {
      INDArray gradSkip = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(), x.shape(), 'c');
      convBackprop(x, ResidualBlock.WP, ResidualBlock.BP, gradSum, gradSkip, projectionArgs, workspaceMgr);
      gradInput.addi(gradSkip);
    } else {
      gradInput.addi(gradSum);
    }
    return gradInput;
  }

  private INDArray param(String key, boolean training, LayerWorkspaceMgr workspaceMgr) {
    return getParamWithNoise(key, training, workspaceMgr);
  }

  @Override
  void forget() {
    hidden = null;
  }
}
