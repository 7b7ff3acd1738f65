package dev.magnet.core.nn;

import java.util.Collection;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of Magnet's native-op layers: a DL4J {@link SameDiffLayer} whose backward pass is
 * corrected for a defect of DL4J 1.0.0-M2.1.
 *
 * <p>In M2.1 every {@code SameDiffLayer} returns exactly twice the true gradient, for its
 * parameters and for the error it passes down (seen on a one-op {@code input.mmul(W)} layer
 * against finite differences; {@code NativeOpLayerTest} pins the defect so that an upgrade that
 * fixes it fails loudly). Adam would hide it — it is invariant to a constant gradient scale — but
 * SGD, gradient clipping and any mix with DL4J's own layers would not, and two blocks deep the
 * factor is 4. The runtime layer here halves both, and the gradient checks then pass.
 */
public abstract class NativeOpLayer extends SameDiffLayer {
  /** DL4J M2.1's SameDiffLayer backward pass returns this multiple of the gradient. */
  static final double DL4J_GRADIENT_FACTOR = 2.0;

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners,
      int layerIndex, INDArray layerParamsView, boolean initializeParams, DataType dataType) {
    CorrectedLayer layer = new CorrectedLayer(conf, dataType);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    Map<String, INDArray> params = initializer().init(conf, layerParamsView, initializeParams);
    layer.setParamTable(params);
    layer.setConf(conf);
    return layer;
  }

  /** The runtime layer: DL4J's, with the gradient scaled back to its true value. */
  static final class CorrectedLayer extends org.deeplearning4j.nn.layers.samediff.SameDiffLayer {
    private static final long serialVersionUID = 1L;

    CorrectedLayer(NeuralNetConfiguration conf, DataType dataType) {
      super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
      Pair<Gradient, INDArray> result = super.backpropGradient(epsilon, workspaceMgr);
      for (INDArray gradient : result.getFirst().gradientForVariable().values()) {
        gradient.divi(DL4J_GRADIENT_FACTOR);
      }
      if (result.getSecond() != null) {
        result.getSecond().divi(DL4J_GRADIENT_FACTOR);
      }
      return result;
    }
  }
}
