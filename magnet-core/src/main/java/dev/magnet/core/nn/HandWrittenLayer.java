package dev.magnet.core.nn;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * What the configurations of Magnet's hand-written layers ({@link ConvPoolBlock},
 * {@link ResidualBlock}) share: their parameters come from their {@link LayoutParams.Layout}, DL4J
 * instantiates their runtime layer the same way, and models saved while they were
 * {@code SameDiffLayer}s name the updater under another key.
 */
abstract class HandWrittenLayer extends BaseLayer implements LayoutParams.Layout {
  private static final long serialVersionUID = 1L;

  /** A new runtime layer of this configuration, before DL4J gives it its parameters. */
  abstract org.deeplearning4j.nn.layers.BaseLayer<?> runtime(NeuralNetConfiguration conf, DataType dataType);

  /**
   * Models saved while these layers were {@code SameDiffLayer}s name their updater {@code updater}
   * ({@code BaseLayer} says {@code iUpdater}); without this their configuration does not load.
   */
  @JsonProperty("updater")
  private void setSavedUpdater(IUpdater updater) {
    if (getIUpdater() == null) {
      setIUpdater(updater);
    }
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType dataType) {
    org.deeplearning4j.nn.layers.BaseLayer<?> layer = runtime(conf, dataType);
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    layer.setParamTable(initializer().init(conf, layerParamsView, initializeParams));
    layer.setConf(conf);
    return layer;
  }

  @Override
  public ParamInitializer initializer() {
    return LayoutParams.INSTANCE;
  }

  @Override
  public boolean isPretrainParam(String paramName) {
    return false;
  }
}
