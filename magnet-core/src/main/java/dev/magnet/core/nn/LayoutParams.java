package dev.magnet.core.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The parameters of Magnet's hand-written layers ({@link ConvPoolBlock}, {@link ResidualBlock}),
 * in the order their {@link Layout} lists them, each a view of the network's flat parameter (or
 * gradient) vector, which is how DL4J's updater and parameter averaging see them. Weights are
 * initialised by the configuration's weight init (He, for the ReLU that follows, when none is set).
 */
final class LayoutParams implements ParamInitializer {
  static final LayoutParams INSTANCE = new LayoutParams();

  /** A layer configuration that lists its parameters. */
  interface Layout {
    List<ParamSpec> params();
  }

  private LayoutParams() {}

  @Override
  public long numParams(NeuralNetConfiguration conf) {
    return numParams(conf.getLayer());
  }

  @Override
  public long numParams(Layer layer) {
    return specs(layer).stream().mapToLong(ParamSpec::length).sum();
  }

  @Override
  public List<String> paramKeys(Layer layer) {
    return specs(layer).stream().map(ParamSpec::key).toList();
  }

  @Override
  public List<String> weightKeys(Layer layer) {
    return specs(layer).stream().filter(ParamSpec::weight).map(ParamSpec::key).toList();
  }

  @Override
  public List<String> biasKeys(Layer layer) {
    return specs(layer).stream().filter(p -> !p.weight()).map(ParamSpec::key).toList();
  }

  @Override
  public boolean isWeightParam(Layer layer, String key) {
    return weightKeys(layer).contains(key);
  }

  @Override
  public boolean isBiasParam(Layer layer, String key) {
    return biasKeys(layer).contains(key);
  }

  @Override
  public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView,
      boolean initializeParams) {
    Layer layer = conf.getLayer();
    Map<String, INDArray> params = views(layer, paramsView);
    if (initializeParams) {
      BaseLayer base = (BaseLayer) layer;
      IWeightInit init = base.getWeightInitFn() == null ? new WeightInitRelu() : base.getWeightInitFn();
      for (ParamSpec p : specs(layer)) {
        INDArray view = params.get(p.key());
        if (p.weight()) {
          init.init(p.fanIn(), p.fanOut(), view.shape(), 'c', view);
        } else {
          view.assign(base.getBiasInit());
        }
      }
    }
    for (String key : params.keySet()) {
      conf.addVariable(key);
    }
    return params;
  }

  @Override
  public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf,
      INDArray gradientView) {
    return views(conf.getLayer(), gradientView);
  }

  private static Map<String, INDArray> views(Layer layer, INDArray flat) {
    List<ParamSpec> specs = specs(layer);
    long n = specs.stream().mapToLong(ParamSpec::length).sum();
    if (flat.length() != n) {
      throw new IllegalArgumentException("parameter view of " + layer + " must hold " + n
          + " values; length=" + flat.length());
    }
    INDArray row = flat.reshape(n);
    Map<String, INDArray> views = new LinkedHashMap<>();
    long at = 0;
    for (ParamSpec p : specs) {
      views.put(p.key(), row.get(NDArrayIndex.interval(at, at + p.length())).reshape('c', p.shape()));
      at += p.length();
    }
    return Collections.unmodifiableMap(views);
  }

  private static List<ParamSpec> specs(Layer layer) {
    if (!(layer instanceof Layout l)) {
      throw new IllegalArgumentException("not a layer with a parameter layout: " + layer);
    }
    return l.params();
  }
}
