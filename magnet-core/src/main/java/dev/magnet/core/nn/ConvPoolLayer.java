package dev.magnet.core.nn;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2DDerivative;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of a {@link ConvPoolBlock}: {@code relu(maxpool2d(conv2d(x, W, b)))} forward,
 * and {@code conv2d_bp(maxpool2d_bp(relu_bp(...)))} backward on the arrays kept from the
 * forward pass, each op run once. The ops run on NHWC arrays; input and output are NCHW, as
 * between all DL4J layers ({@link ConvOps#toNhwc}).
 */
final class ConvPoolLayer extends HandWrittenRuntime<ConvPoolBlock> {
  private static final long serialVersionUID = 1L;

  /** conv(x) + bias of the last training forward pass, NHWC, in the activations workspace. */
  private transient INDArray conv;

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
  INDArray forward(INDArray x, boolean training, ArrayType kept, LayerWorkspaceMgr workspaceMgr) {
    ConvPoolBlock block = layerConf();
    settings();
    INDArray w = getParamWithNoise(ConvPoolBlock.WEIGHT_KEY, training, workspaceMgr);
    INDArray b = getParamWithNoise(ConvPoolBlock.BIAS_KEY, training, workspaceMgr);
    long n = x.size(0);
    long h = block.getPadding().outputSize(x.size(1), ConvPoolBlock.KERNEL, 1);
    long wd = block.getPadding().outputSize(x.size(2), ConvPoolBlock.KERNEL, 1);
    // max-pool, then the final ReLU: the same output as ReLU then max-pool (ReLU is monotone, so it
    // commutes with max), with the ReLU and its gradient on a quarter of the values.
    INDArray z = workspaceMgr.createUninitialized(kept, x.dataType(),
        new long[] {n, h, wd, block.getOutChannels()}, 'c');
    Nd4j.exec(new Conv2D(x, w, b, z, convolution));
    INDArray pooled = workspaceMgr.createUninitialized(kept, x.dataType(),
        new long[] {n, h / ConvPoolBlock.POOL, wd / ConvPoolBlock.POOL, block.getOutChannels()}, 'c');
    Nd4j.exec(new MaxPooling2D(z, pooled, pooling));
    conv = training ? z : null;
    return pooled;
  }

  @Override
  INDArray backward(INDArray x, INDArray gradPool, LayerWorkspaceMgr workspaceMgr) {
    settings();
    INDArray gradConv = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, conv.dataType(),
        conv.shape(), 'c');
    Nd4j.exec(new Pooling2DDerivative(conv, gradPool, gradConv, pooling));
    INDArray gradInput = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, x.dataType(), x.shape(), 'c');
    convBackprop(x, ConvPoolBlock.WEIGHT_KEY, ConvPoolBlock.BIAS_KEY, gradConv, gradInput, convolutionArgs,
        workspaceMgr);
    return gradInput;
  }

  @Override
  void forget() {
    conv = null;
  }
}
