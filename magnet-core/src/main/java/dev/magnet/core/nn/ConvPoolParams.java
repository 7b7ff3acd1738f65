package dev.magnet.core.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters of a {@link ConvPoolBlock}: {@code W} ({@code [3, 3, in, out]}) then {@code b}
 * ({@code [1, out]}), each a view of the network's flat parameter (or gradient) vector, which is
 * how DL4J's updater and parameter averaging see them.
 */
final class ConvPoolParams implements ParamInitializer {
  static final ConvPoolParams INSTANCE = new ConvPoolParams();

  private ConvPoolParams() {}

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    ConvPoolBlock block = (ConvPoolBlock) layer;
    return weights(block) + block.getOutChannels();
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return List.of(ConvPoolBlock.WEIGHT_KEY, ConvPoolBlock.BIAS_KEY);
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return List.of(ConvPoolBlock.WEIGHT_KEY);
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return List.of(ConvPoolBlock.BIAS_KEY);
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return ConvPoolBlock.WEIGHT_KEY.equals(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return ConvPoolBlock.BIAS_KEY.equals(key);
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView,
      boolean initializeParams) {
    ConvPoolBlock block = (ConvPoolBlock) conf.getLayer();
    Map<String, INDArray> params = views(block, paramsView);
    if (initializeParams) {
      long in = block.getInChannels() * ConvPoolBlock.KERNEL * ConvPoolBlock.KERNEL;
      long out = block.getOutChannels() * ConvPoolBlock.KERNEL * ConvPoolBlock.KERNEL;
      INDArray w = params.get(ConvPoolBlock.WEIGHT_KEY);
      IWeightInit init = block.getWeightInitFn() == null ? new WeightInitRelu() : block.getWeightInitFn();
      init.init(in, out, w.shape(), 'c', w);
      params.get(ConvPoolBlock.BIAS_KEY).assign(block.getBiasInit());
    }
    for (String key : params.keySet()) {
      conf.addVariable(key);
    }
    return params;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf,
      INDArray gradientView) {
    return views((ConvPoolBlock) conf.getLayer(), gradientView);
  }

  private static Map<String, INDArray> views(ConvPoolBlock block, INDArray flat) {
    long w = weights(block);
    long n = w + block.getOutChannels();
    if (flat.length() != n) {
      throw new IllegalArgumentException("parameter view of " + block + " must hold " + n
          + " values; length=" + flat.length());
    }
    INDArray row = flat.reshape(n);
    Map<String, INDArray> views = new LinkedHashMap<>();
    views.put(ConvPoolBlock.WEIGHT_KEY, row.get(NDArrayIndex.interval(0, w)).reshape('c',
        ConvPoolBlock.KERNEL, ConvPoolBlock.KERNEL, block.getInChannels(), block.getOutChannels()));
    views.put(ConvPoolBlock.BIAS_KEY, row.get(NDArrayIndex.interval(w, n)).reshape('c', 1,
        block.getOutChannels()));
    return Collections.unmodifiableMap(views);
  }

  private static long weights(ConvPoolBlock block) {
    return ConvPoolBlock.KERNEL * ConvPoolBlock.KERNEL * block.getInChannels() * block.getOutChannels();
  }
}
