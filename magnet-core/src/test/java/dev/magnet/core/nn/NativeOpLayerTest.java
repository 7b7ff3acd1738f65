package dev.magnet.core.nn;

import dev.magnet.core.DoublePrecision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Pins DL4J M2.1's doubled SameDiffLayer gradient, and that {@link NativeOpLayer} corrects it. */
@ExtendWith(DoublePrecision.class)
class NativeOpLayerTest {
  /** The smallest SameDiff layer: out = input · W, 4 → 3. */
  public static class PlainLinear extends SameDiffLayer {
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
      return input.mmul(params.get("W"));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
      params.clear();
      params.addWeightParam("W", 4, 3);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
      params.get("W").assign(Nd4j.rand(DataType.DOUBLE, 4, 3));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
      return InputType.feedForward(3);
    }
  }

  /** The same layer on Magnet's corrected runtime layer. */
  public static class CorrectedLinear extends NativeOpLayer {
    private final PlainLinear plain = new PlainLinear();

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
      return plain.defineLayer(sd, input, params, mask);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
      plain.defineParameters(params);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
      plain.initializeParameters(params);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
      return plain.getOutputType(layerIndex, inputType);
    }
  }

  private static MultiLayerNetwork net(SameDiffLayer layer) {
    MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
        .seed(3).dataType(DataType.DOUBLE).updater(new NoOp()).list()
        .layer(layer)
        .layer(new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).build())
        .setInputType(InputType.feedForward(4)).build());
    net.init();
    return net;
  }

  /** The MSE gradient by hand: Σ_batch inputᵀ · 2(out − labels)/3. */
  private static INDArray expectedGradient(MultiLayerNetwork net, INDArray input, INDArray labels) {
    INDArray out = input.mmul(net.getParam("0_W"));
    return input.transpose().mmul(out.sub(labels).muli(2.0 / 3)).reshape(-1);
  }

  @Test
  void dl4jM21SameDiffLayerReturnsTwiceTheGradient() {
    Nd4j.getRandom().setSeed(1);
    INDArray input = Nd4j.rand(DataType.DOUBLE, 5, 4);
    INDArray labels = Nd4j.rand(DataType.DOUBLE, 5, 3);
    MultiLayerNetwork plain = net(new PlainLinear());
    plain.setInput(input);
    plain.setLabels(labels);
    plain.computeGradientAndScore();
    INDArray ratio = plain.gradient().gradient().reshape(-1).div(expectedGradient(plain, input, labels));
    // If this fails after a DL4J upgrade, the defect is fixed: remove NativeOpLayer's correction.
    assertEquals(NativeOpLayer.DL4J_GRADIENT_FACTOR, ratio.minNumber().doubleValue(), 1e-9);
    assertEquals(NativeOpLayer.DL4J_GRADIENT_FACTOR, ratio.maxNumber().doubleValue(), 1e-9);
  }

  @Test
  void correctedLayerGivesTheTrueGradient() {
    Nd4j.getRandom().setSeed(1);
    INDArray input = Nd4j.rand(DataType.DOUBLE, 5, 4);
    INDArray labels = Nd4j.rand(DataType.DOUBLE, 5, 3);
    MultiLayerNetwork corrected = net(new CorrectedLinear());
    corrected.setInput(input);
    corrected.setLabels(labels);
    corrected.computeGradientAndScore();
    INDArray expected = expectedGradient(corrected, input, labels);
    assertTrue(expected.equalsWithEps(corrected.gradient().gradient().reshape(-1), 1e-9));
    assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(corrected)
        .input(input).labels(labels).print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
  }
}
