package dev.magnet.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.train.TrainingOptions;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every setter rejects a bad value with the rule and the value, and leaves the param as it was.
 * Setters without a bad value are listed in {@link #settersWithoutABadValue}: seed (any long) and
 * the output columns (any name; empty leaves the column out).
 */
class MagnetStageParamsTest {

  /** Setter, param name, bad value, words the message must hold. */
  static Stream<Arguments> badValues() {
    return Stream.of(
        bad(e -> e.setLoss("hinge"), "loss", "loss must be one of magnet, softmax, triplet; loss=hinge"),
        bad(e -> e.setClustersPerClass(0), "clustersPerClass", "clustersPerClass (K)=0"),
        bad(e -> e.setClustersPerBatch(1), "clustersPerBatch", "M=1"),
        bad(e -> e.setExamplesPerCluster(0), "examplesPerCluster", "examplesPerCluster (D)=0"),
        bad(e -> e.setAlpha(-0.5), "alpha", "alpha=-0.5"),
        bad(e -> e.setAlpha(Double.NaN), "alpha", "alpha=NaN"),
        bad(e -> e.setNearestClusters(0), "nearestClusters", "nearestClusters (L)=0"),
        bad(e -> e.setRefreshEveryBatches(-1), "refreshEveryBatches", "refreshEveryBatches=-1"),
        bad(e -> e.setRefreshesPerEpoch(-1), "refreshesPerEpoch", "refreshesPerEpoch=-1"),
        bad(e -> e.setEpochs(0), "epochs", "epochs=0"),
        bad(e -> e.setBatchesPerEpoch(-2), "batchesPerEpoch", "batchesPerEpoch=-2"),
        bad(e -> e.setTripletMargin(Double.POSITIVE_INFINITY), "tripletMargin", "tripletMargin=Infinity"),
        bad(e -> e.setKmeansIterations(0), "kmeansIterations", "kmeansIterations=0"),
        bad(e -> e.setNetwork("vgg"), "network", "network must be one of fmnist-cnn, mlp, resnet-small; network=vgg"),
        bad(e -> e.setAugment("rotate"), "augment", "augment must be one of none, flip, crop-flip; augment=rotate"),
        bad(e -> e.setEmbeddingDim(0), "embeddingDim", "embeddingDim=0"),
        bad(e -> e.setHiddenSizes(new int[] {32, 0}), "hiddenSizes", "hiddenSizes=[32, 0]"),
        bad(e -> e.setLearningRate(0), "learningRate", "learningRate=0.0"),
        bad(e -> e.setInputShape(new int[] {1, 28}), "inputShape", "inputShape=[1, 28]"),
        bad(e -> e.setInputShape(new int[] {0}), "inputShape", "channels"),
        bad(e -> e.setAveragingFrequency(0), "averagingFrequency", "averagingFrequency=0"),
        bad(e -> e.setAveragingLag(-1), "averagingLag", "averagingLag=-1"),
        bad(e -> e.setWorkers(-1), "workers", "workers=-1"),
        bad(e -> e.setTrainingMaster("allreduce"), "trainingMaster",
            "trainingMaster must be one of averaging, dl4j-averaging, sharing; trainingMaster=allreduce"),
        bad(e -> e.setFeaturesCol(""), "featuresCol", "featuresCol=''"),
        bad(e -> e.setLabelCol(" "), "labelCol", "labelCol=' '"));
  }

  private static Arguments bad(Function<MagnetEstimator, MagnetEstimator> setter, String param, String message) {
    return Arguments.of(setter, param, message);
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("badValues")
  void everySetterRejectsABadValueAndKeepsTheOldOne(Function<MagnetEstimator, MagnetEstimator> setter, String name,
      String message) {
    MagnetEstimator estimator = new MagnetEstimator();
    Param<?> param = estimator.getParam(name);
    String before = estimator.explainParam(param);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> setter.apply(estimator));
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertEquals(before, estimator.explainParam(param));
    assertFalse(estimator.isSet(param));
  }

  @Test
  void everySetterIsCoveredOrHasNoBadValue() {
    List<String> covered = badValues().map(a -> (String) a.get()[1]).distinct().toList();
    List<String> settersWithoutABadValue = List.of("seed", "embeddingCol", "predictionCol", "probabilityCol",
        "clusterCol");
    List<String> setters = Arrays.stream(MagnetEstimator.class.getMethods())
        .filter(m -> m.getName().startsWith("set") && m.getReturnType() == MagnetEstimator.class)
        .map(m -> Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4)).sorted().toList();
    assertEquals(setters, Stream.concat(covered.stream(), settersWithoutABadValue.stream()).sorted().toList());
    MagnetEstimator estimator = new MagnetEstimator().setSeed(Long.MIN_VALUE).setEmbeddingCol("");
    assertEquals(Long.MIN_VALUE, estimator.getSeed());
    assertEquals("", estimator.getEmbeddingCol());
  }

  @Test
  void theModelsSettersValidateToo() {
    MagnetModel model = new MagnetModel("m", TestModels.tiny());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.setNearestClusters(0));
    assertTrue(e.getMessage().contains("nearestClusters (L)=0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> model.setFeaturesCol(""));
    IllegalArgumentException metric = assertThrows(IllegalArgumentException.class,
        () -> new MagnetEvaluator().setMetricName("recall"));
    assertTrue(metric.getMessage().contains("metricName given invalid value recall"), metric.getMessage());
  }

  @Test
  void defaultsAreTheCoreDefaults() {
    MagnetEstimator estimator = new MagnetEstimator();
    MagnetParams core = MagnetParams.defaults();
    assertEquals(core, MagnetParamDefinitions.magnetParams(estimator));
    assertEquals(NetworkSpec.DEFAULT_EMBEDDING_DIM, estimator.getEmbeddingDim());
    assertEquals(NetworkSpec.DEFAULT_LEARNING_RATE, estimator.getLearningRate());
    assertEquals(TrainingOptions.defaults(), MagnetParamDefinitions.trainingOptions(estimator));
    assertFalse(estimator.isDefined(estimator.network()), "the network follows the input unless set");
    assertFalse(estimator.isDefined(estimator.inputShape()), "the shape is inferred unless set");
    assertEquals(TrainingOptions.defaults().withTrainingMaster(dev.magnet.spark.train.TrainingMasterKind.SHARING),
        MagnetParamDefinitions.trainingOptions(estimator.setTrainingMaster("sharing")));
  }

  @Test
  void paramsAreSharedByNameAndCopiedToTheModel() {
    MagnetEstimator estimator = new MagnetEstimator().setClustersPerClass(3).setHiddenSizes(new int[] {7});
    MagnetModel model = estimator.copyValues(new MagnetModel(estimator.uid(), TestModels.tiny()),
        org.apache.spark.ml.param.ParamMap.empty());
    assertEquals(3, model.getClustersPerClass());
    assertArrayEquals(new int[] {7}, model.getHiddenSizes());
    assertEquals(names(estimator), names(model));
  }

  private static List<String> names(Params stage) {
    return Arrays.stream(stage.params()).map(Param::name).toList();
  }
}
