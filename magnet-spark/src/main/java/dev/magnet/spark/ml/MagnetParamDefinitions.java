package dev.magnet.spark.ml;

import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.train.TrainingMasterKind;
import dev.magnet.spark.train.TrainingOptions;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import scala.runtime.AbstractFunction1;

/**
 * The one place where the Spark ML params of {@link MagnetEstimator} and {@link MagnetModel} are
 * defined: name, doc, validator and default. Each stage owns one instance (Spark params belong to
 * the stage whose uid they carry) and exposes it through {@link MagnetStageParams}, the Java
 * counterpart of Spark's {@code KMeansParams} trait.
 *
 * <p>Defaults and rules are not restated: a hyper-parameter's default is the one of
 * {@link MagnetParams#defaults()}, {@link NetworkSpec#of} or {@link TrainingOptions#defaults()}, and
 * its validator builds that record with the one value changed, so the record's constructor is the
 * only statement of the rule and its message ("clustersPerClass (K) must be positive;
 * clustersPerClass (K)=0") is the one the setter throws. Spark's {@code ParamValidators} serve the
 * params no core record covers.
 */
public final class MagnetParamDefinitions implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final MagnetParams PARAMS = MagnetParams.defaults();
  private static final NetworkSpec SPEC = NetworkSpec.of(Architecture.MLP, InputShape.vector(1));
  private static final TrainingOptions OPTIONS = TrainingOptions.defaults();

  // Training hyper-parameters (MagnetParams).
  final Param<String> loss;
  final IntParam clustersPerClass;
  final IntParam clustersPerBatch;
  final IntParam examplesPerCluster;
  final DoubleParam alpha;
  final IntParam nearestClusters;
  final IntParam refreshEveryBatches;
  final IntParam refreshesPerEpoch;
  final IntParam epochs;
  final IntParam batchesPerEpoch;
  final DoubleParam tripletMargin;
  final IntParam kmeansIterations;
  final LongParam seed;
  // The network (NetworkSpec).
  final Param<String> network;
  final Param<String> augment;
  final IntParam embeddingDim;
  final IntArrayParam hiddenSizes;
  final DoubleParam learningRate;
  final IntArrayParam inputShape;
  // How the job runs (TrainingOptions).
  final IntParam averagingFrequency;
  final Param<String> trainingMaster;
  final IntParam averagingLag;
  final IntParam workers;
  // Columns.
  final Param<String> featuresCol;
  final Param<String> labelCol;
  final Param<String> embeddingCol;
  final Param<String> predictionCol;
  final Param<String> probabilityCol;
  final Param<String> clusterCol;

  /** The params of {@code owner}; call {@link #setDefaults} once the owner can return this instance. */
  MagnetParamDefinitions(Params owner) {
    loss = new Param<>(owner, "loss", "what the network is trained with: " + String.join(", ", EnumSpelling.all(LossKind.class)),
        rule((String v) -> enumValue(LossKind.class, "loss", v)));
    clustersPerClass = new IntParam(owner, "clustersPerClass", "K: K-means clusters per class in the index (>= 1)",
        rule((Integer v) -> PARAMS.withClusters(v, PARAMS.clustersPerBatch(), PARAMS.examplesPerCluster())));
    clustersPerBatch = new IntParam(owner, "clustersPerBatch",
        "M: clusters per neighbourhood, one mini-batch (>= 2); the data needs (classes - 1) * K >= M - 1",
        rule((Integer v) -> PARAMS.withClusters(PARAMS.clustersPerClass(), v, PARAMS.examplesPerCluster())));
    examplesPerCluster = new IntParam(owner, "examplesPerCluster", "D: examples drawn from each cluster of a"
        + " neighbourhood (>= 1)",
        rule((Integer v) -> PARAMS.withClusters(PARAMS.clustersPerClass(), PARAMS.clustersPerBatch(), v)));
    alpha = new DoubleParam(owner, "alpha", "the Magnet loss margin (finite, >= 0)",
        rule((Double v) -> PARAMS.withAlpha(v)));
    nearestClusters = new IntParam(owner, "nearestClusters", "L: clusters that vote in the classification rule (>= 1;"
        + " all clusters if fewer)", rule((Integer v) -> PARAMS.withNearestClusters(v)));
    refreshEveryBatches = new IntParam(owner, "refreshEveryBatches", "refresh the cluster index every this many"
        + " batches (>= 0; 0 = once per epoch)", rule((Integer v) -> PARAMS.withRefreshEveryBatches(v)));
    refreshesPerEpoch = new IntParam(owner, "refreshesPerEpoch", "refresh the cluster index this many times an"
        + " epoch, at even intervals, whatever the data's size (>= 0; 0 = as refreshEveryBatches says; not both)",
        rule((Integer v) -> PARAMS.withRefreshesPerEpoch(v)));
    epochs = new IntParam(owner, "epochs", "passes over the training set (>= 1)", rule((Integer v) -> PARAMS.withEpochs(v)));
    batchesPerEpoch = new IntParam(owner, "batchesPerEpoch", "mini-batches per epoch (>= 0; 0 = training set size"
        + " / (M * D), rounded up)", rule((Integer v) -> PARAMS.withBatchesPerEpoch(v)));
    tripletMargin = new DoubleParam(owner, "tripletMargin", "margin of the batch-hard triplet baseline (finite, >= 0)",
        rule((Double v) -> PARAMS.withTripletMargin(v)));
    kmeansIterations = new IntParam(owner, "kmeansIterations", "most Lloyd iterations of one K-means refresh (>= 1)",
        rule((Integer v) -> new MagnetParams(PARAMS.loss(), PARAMS.clustersPerClass(), PARAMS.clustersPerBatch(),
            PARAMS.examplesPerCluster(), PARAMS.alpha(), PARAMS.nearestClusters(), PARAMS.refreshEveryBatches(),
            PARAMS.refreshesPerEpoch(), PARAMS.epochs(), PARAMS.batchesPerEpoch(), PARAMS.tripletMargin(), v, PARAMS.seed())));
    seed = new LongParam(owner, "seed", "seed of every random choice: weights, sampling, K-means");
    network = new Param<>(owner, "network", "the network body: " + String.join(", ", EnumSpelling.all(Architecture.class))
        + "; default: fmnist-cnn for images, mlp for vectors", rule((String v) -> enumValue(Architecture.class, "network", v)));
    augment = new Param<>(owner, "augment", "augmentation of training batches of 8-bit images, seeded per example and"
        + " epoch: " + String.join(", ", EnumSpelling.all(Augmentation.class)) + " (crop-flip: torchvision's"
        + " random-resized crop, then a horizontal flip)", rule((String v) -> enumValue(Augmentation.class, "augment",
            v)));
    embeddingDim = new IntParam(owner, "embeddingDim", "width of the embedding (>= 1)",
        rule((Integer v) -> SPEC.withEmbeddingDim(v)));
    hiddenSizes = new IntArrayParam(owner, "hiddenSizes", "widths of the ReLU dense layers before the embedding;"
        + " default: the network's own", rule((int[] v) -> SPEC.withHiddenSizes(Arrays.stream(v).boxed().toList())));
    learningRate = new DoubleParam(owner, "learningRate", "Adam's learning rate (finite, > 0)",
        rule((Double v) -> SPEC.withLearningRate(v)));
    inputShape = new IntArrayParam(owner, "inputShape", "shape of one example: [values] for a vector or [channels,"
        + " height, width] for an image (rows in C order); default: inferred from the features column",
        rule((int[] v) -> shape(v)));
    averagingFrequency = new IntParam(owner, "averagingFrequency", "batches each worker fits between parameter"
        + " averagings (>= 1)", rule((Integer v) -> OPTIONS.withAveragingFrequency(v)));
    trainingMaster = new Param<>(owner, "trainingMaster", "how the workers' updates meet: "
        + String.join(", ", EnumSpelling.all(TrainingMasterKind.class)) + " (parameter averaging in one barrier"
        + " stage a chunk, the same by DL4J's master one job a round, or DL4J's gradient sharing between the"
        + " executors; docs/scaling.md)",
        rule((String v) -> enumValue(TrainingMasterKind.class, "trainingMaster", v)));
    averagingLag = new IntParam(owner, "averagingLag", "with trainingMaster averaging: batches of the next round a"
        + " worker fits while the round it ended is averaged, before it takes that mean in (>= 0; 0: every worker"
        + " waits for each round's mean, as DL4J's parameter averaging; docs/scaling.md)",
        rule((Integer v) -> OPTIONS.withAveragingLag(v)));
    workers = new IntParam(owner, "workers", "data-parallel workers (>= 0; 0 = Spark's default parallelism)",
        rule((Integer v) -> OPTIONS.withWorkers(v)));
    featuresCol = new Param<>(owner, "featuresCol", "features column: ML Vector, array<float>, array<double>, an"
        + " image struct of Spark's image source, or (a fitted model's) the bytes of encoded images", rule((String v) -> requireName("featuresCol", v)));
    labelCol = new Param<>(owner, "labelCol", "label column: class ids 0..C-1 as integer, or as a double holding an"
        + " integer (StringIndexer's output)", rule((String v) -> requireName("labelCol", v)));
    embeddingCol = new Param<>(owner, "embeddingCol", "output column of the embedding (ML Vector); empty for none");
    predictionCol = new Param<>(owner, "predictionCol", "output column of the predicted class id (double, the"
        + " L-nearest-cluster rule); empty for none");
    probabilityCol = new Param<>(owner, "probabilityCol", "output column of the class probabilities (ML Vector);"
        + " empty for none");
    clusterCol = new Param<>(owner, "clusterCol", "output column of the nearest cluster of the index (int); empty for"
        + " none");
  }

  /** Sets every default on {@code owner}, which must already return this instance. */
  void setDefaults(Params owner) {
    owner.setDefault(loss, EnumSpelling.of(PARAMS.loss()));
    owner.setDefault(clustersPerClass, PARAMS.clustersPerClass());
    owner.setDefault(clustersPerBatch, PARAMS.clustersPerBatch());
    owner.setDefault(examplesPerCluster, PARAMS.examplesPerCluster());
    owner.setDefault(alpha, PARAMS.alpha());
    owner.setDefault(nearestClusters, PARAMS.nearestClusters());
    owner.setDefault(refreshEveryBatches, PARAMS.refreshEveryBatches());
    owner.setDefault(refreshesPerEpoch, PARAMS.refreshesPerEpoch());
    owner.setDefault(epochs, PARAMS.epochs());
    owner.setDefault(batchesPerEpoch, PARAMS.batchesPerEpoch());
    owner.setDefault(tripletMargin, PARAMS.tripletMargin());
    owner.setDefault(kmeansIterations, PARAMS.kmeansIterations());
    owner.setDefault(seed, PARAMS.seed());
    owner.setDefault(augment, EnumSpelling.of(Augmentation.NONE));
    owner.setDefault(embeddingDim, SPEC.embeddingDim());
    owner.setDefault(learningRate, SPEC.learningRate());
    owner.setDefault(averagingFrequency, OPTIONS.averagingFrequency());
    owner.setDefault(averagingLag, OPTIONS.averagingLag());
    owner.setDefault(workers, OPTIONS.workers());
    owner.setDefault(trainingMaster, EnumSpelling.of(OPTIONS.trainingMaster()));
    owner.setDefault(featuresCol, "features");
    owner.setDefault(labelCol, "label");
    owner.setDefault(embeddingCol, "embedding");
    owner.setDefault(predictionCol, "prediction");
    owner.setDefault(probabilityCol, "probability");
    owner.setDefault(clusterCol, "cluster");
  }

  /** The constant a param's value spells ({@link EnumSpelling}). */
  static <E extends Enum<E>> E enumValue(Class<E> type, String name, String value) {
    return EnumSpelling.parse(type, name, value);
  }

  /** The shape an {@code inputShape} value stands for. */
  static InputShape shape(int[] value) {
    if (value.length == 1) {
      return InputShape.vector(value[0]);
    }
    if (value.length == 3) {
      return InputShape.image(value[0], value[1], value[2]);
    }
    throw new IllegalArgumentException("inputShape must be [values] or [channels, height, width]; inputShape="
        + Arrays.toString(value));
  }

  private static void requireName(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must name a column; " + name + "='" + value + "'");
    }
  }

  /** A check that throws {@link IllegalArgumentException} naming the rule and the value. */
  @FunctionalInterface
  interface Check<T> extends Serializable {
    void apply(T value);
  }

  /**
   * A Spark validator running {@code check}: its exception, not Spark's generic "given invalid
   * value", reaches the caller. Spark types the validators of primitive params as functions of
   * {@code Object}, hence the unchecked cast ({@code T} is the param's boxed value type).
   */
  @SuppressWarnings("unchecked")
  static <T, V> scala.Function1<V, Object> rule(Check<T> check) {
    return new Rule<>((Check<V>) check);
  }

  private static final class Rule<V> extends AbstractFunction1<V, Object> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Check<V> check;

    Rule(Check<V> check) {
      this.check = check;
    }

    @Override
    public Object apply(V value) {
      check.apply(value);
      return Boolean.TRUE;
    }
  }

  /** The stage's training hyper-parameters as the core record (which checks them together). */
  static MagnetParams magnetParams(MagnetStageParams stage) {
    return new MagnetParams(enumValue(LossKind.class, "loss", stage.getLoss()), stage.getClustersPerClass(),
        stage.getClustersPerBatch(), stage.getExamplesPerCluster(), stage.getAlpha(), stage.getNearestClusters(),
        stage.getRefreshEveryBatches(), stage.getRefreshesPerEpoch(), stage.getEpochs(), stage.getBatchesPerEpoch(), stage.getTripletMargin(),
        stage.getKmeansIterations(), stage.getSeed());
  }

  /** The stage's network choices; {@link NetworkChoice#resolve} applies the core's defaults to the rest. */
  static NetworkChoice networkChoice(MagnetStageParams stage) {
    return new NetworkChoice(stage.isDefined(stage.network())
        ? enumValue(Architecture.class, "network", stage.getNetwork()) : null, stage.getEmbeddingDim(),
        stage.getLearningRate(), stage.isDefined(stage.hiddenSizes())
        ? Arrays.stream(stage.getHiddenSizes()).boxed().toList() : null);
  }

  /** The stage's augmentation of training batches. */
  static Augmentation augmentation(MagnetStageParams stage) {
    return enumValue(Augmentation.class, "augment", stage.getAugment());
  }

  static TrainingOptions trainingOptions(MagnetStageParams stage) {
    return TrainingOptions.defaults().withAveragingFrequency(stage.getAveragingFrequency()).withWorkers(stage.getWorkers())
        .withAveragingLag(stage.getAveragingLag())
        .withTrainingMaster(enumValue(TrainingMasterKind.class, "trainingMaster", stage.getTrainingMaster()));
  }

  /** Every output column name of the stage that is not empty. */
  static List<String> outputColumns(MagnetStageParams stage) {
    return java.util.stream.Stream.of(stage.getEmbeddingCol(), stage.getPredictionCol(), stage.getProbabilityCol(),
        stage.getClusterCol()).filter(c -> !c.isEmpty()).toList();
  }
}
