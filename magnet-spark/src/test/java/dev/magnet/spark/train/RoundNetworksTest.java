package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.MagnetParams;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The native arrays parameter averaging leaves to the garbage collector are freed when they are
 * done with: a worker's network when a later round of the same training starts, and a partial sum
 * once added into another; what is still in use is left alone.
 */
class RoundNetworksTest {
  @Test
  void aLaterRoundOfTheSameTrainingFreesTheEarlierRoundsNetworksOnly() {
    MultiLayerNetwork first = trainedNetwork();
    MultiLayerNetwork other = trainedNetwork();
    RoundNetworks.hold("training-a", 1, first);
    RoundNetworks.hold("training-b", 1, other);

    assertEquals(0, RoundNetworks.closeBefore("training-a", 1), "the same round's networks are in use");
    assertFalse(first.params().wasClosed());

    assertEquals(1, RoundNetworks.closeBefore("training-a", 2));
    assertTrue(first.params().wasClosed(), "parameters");
    assertTrue(first.getFlattenedGradients().wasClosed(), "gradients");
    assertTrue(first.getUpdater(false).getStateViewArray().wasClosed(), "updater state");
    assertFalse(other.params().wasClosed(), "another training's network is not this one's to free");
    assertEquals(0, RoundNetworks.closeBefore("training-a", 3), "freed once");

    assertEquals(1, RoundNetworks.closeBefore("training-b", 2));
  }

  @Test
  void theCombineFreesTheSumItAddedAndKeepsTheResult() throws Exception {
    INDArray params1 = Nd4j.createFromArray(1f, 2f);
    INDArray state1 = Nd4j.createFromArray(3f, 4f);
    INDArray params2 = Nd4j.createFromArray(10f, 20f);
    INDArray state2 = Nd4j.createFromArray(30f, 40f);
    ParameterAveragingAggregationTuple sum = new AveragingMaster.ClosingCombine().call(tuple(params1, state1),
        tuple(params2, state2));

    assertEquals(List.of(11f, 22f), floats(sum.getParametersSum()));
    assertEquals(List.of(33f, 44f), floats(sum.getUpdaterStateSum()));
    assertEquals(2, sum.getAggregationsCount());
    assertTrue(params2.wasClosed() && state2.wasClosed(), "the second sum, added in");
    assertFalse(params1.wasClosed() || state1.wasClosed(), "the first sum is the result");
  }

  @Test
  void theCombineWithTheZeroValueFreesNothing() throws Exception {
    INDArray params = Nd4j.createFromArray(1f, 2f);
    INDArray state = Nd4j.createFromArray(3f, 4f);
    ParameterAveragingAggregationTuple only = tuple(params, state);
    assertEquals(only, new AveragingMaster.ClosingCombine().call(null, only));
    assertEquals(only, new AveragingMaster.ClosingCombine().call(only, null));
    ParameterAveragingAggregationTuple empty = tuple(null, null);
    assertEquals(only, new AveragingMaster.ClosingCombine().call(empty, only), "an empty split's sum");
    assertFalse(params.wasClosed() || state.wasClosed(), "a partition's own sum is its worker network's arrays");
  }

  /** A small network after one update: parameters, gradients and updater state all allocated. */
  private static MultiLayerNetwork trainedNetwork() {
    MagnetParams params = MagnetParams.defaults();
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(6)).withEmbeddingDim(4)
        .withHiddenSizes(List.of(8));
    MultiLayerNetwork network = NetworkFactory.build(spec, Objective.of(params).head(6));
    int rows = 48;
    INDArray labels = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, rows, 2);
    for (int i = 0; i < rows; i++) {
      int cluster = i / params.examplesPerCluster();
      labels.putScalar(i, 0, cluster);
      labels.putScalar(i, 1, cluster / 2);
    }
    network.fit(new DataSet(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, rows, 6), labels));
    assertNotNull(network.getUpdater(false).getStateViewArray());
    return network;
  }

  private static ParameterAveragingAggregationTuple tuple(INDArray params, INDArray state) {
    return new ParameterAveragingAggregationTuple(params, state, 1.0, 1, null, null, null, null);
  }

  private static List<Float> floats(INDArray a) {
    float[] v = a.toFloatVector();
    return List.of(v[0], v[1]);
  }
}
