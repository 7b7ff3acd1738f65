package dev.magnet.spark.ml;

import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.train.SparkMagnetTrainer;
import dev.magnet.spark.train.TrainingOptions;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * Magnet as a Spark ML {@code Estimator}: {@link #fit} trains a network with the Magnet loss (or a
 * baseline) on a DataFrame of features and class ids with the same {@link SparkMagnetTrainer} as
 * {@code ./spark-submit train}, and returns a {@link MagnetModel}. Every hyper-parameter is a param
 * (see {@link MagnetStageParams}; defaults are the core's), so it works in a {@code Pipeline} and
 * under {@code CrossValidator}; the schema is checked in {@link #transformSchema} before any job.
 *
 * <pre>{@code
 * MagnetModel model = new MagnetEstimator().setClustersPerClass(4).setEpochs(3).fit(train);
 * Dataset<Row> scored = model.transform(test);   // embedding, prediction, probability, cluster
 * }</pre>
 *
 * <p>Persistence: {@code write().save(path)} stores the params as Spark's {@code metadata}
 * directory; {@link #load} reads them back.
 */
public final class MagnetEstimator extends Estimator<MagnetModel> implements MagnetStageParams, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private final String uid;
  private final MagnetParamDefinitions definitions;

  public MagnetEstimator() {
    this(Identifiable.randomUID("magnet"));
  }

  /** For Spark's copy and persistence, which rebuild stages from their uid. */
  public MagnetEstimator(String uid) {
    this.uid = uid;
    this.definitions = new MagnetParamDefinitions(this);
    definitions.setDefaults(this);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public MagnetParamDefinitions magnetParamDefinitions() {
    return definitions;
  }

  /**
   * Checks the features column (vector, array or image struct), the label column (integer, or a
   * double holding integers), the hyper-parameters together, and the network against the input;
   * returns the schema with the output columns the fitted model adds.
   */
  @Override
  public StructType transformSchema(StructType schema) {
    FeatureColumn features = FeatureColumn.of(schema, getFeaturesCol());
    if (features.kind() == FeatureColumn.Kind.ENCODED) {
      throw new IllegalArgumentException("Column " + features.name() + " holds encoded image files, which a fitted"
          + " model embeds; to train on them, read them with Spark's image source, or run ./spark-submit train --data"
          + " parquet:<table>,image=" + features.name());
    }
    if (MagnetParamDefinitions.augmentation(this) != Augmentation.NONE && features.kind() != FeatureColumn.Kind.IMAGE) {
      throw new IllegalArgumentException("augment " + getAugment() + " needs 8-bit images (an image struct column);"
          + " column " + features.name() + " holds vectors");
    }
    MlSchemas.checkLabel(schema, getLabelCol());
    MagnetParamDefinitions.magnetParams(this);
    checkNetworkFits(features);
    return MlSchemas.withOutputs(schema, this);
  }

  /** A convolutional network needs images: an image column, or an image {@code inputShape}. */
  private void checkNetworkFits(FeatureColumn features) {
    InputShape declared = isDefined(inputShape()) ? MagnetParamDefinitions.shape(getInputShape()) : null;
    if (declared != null) {
      features.shaped(declared);
    }
    boolean images = declared != null ? declared.kind() == InputShape.Kind.IMAGE
        : features.kind() == FeatureColumn.Kind.IMAGE;
    if (isDefined(network())) {
      Architecture architecture = MagnetParamDefinitions.enumValue(Architecture.class, "network", getNetwork());
      if (architecture.needsImages() && !images) {
        throw new IllegalArgumentException("network " + getNetwork() + " needs images, but column " + features.name()
            + " holds vectors; set inputShape to [channels, height, width] or use network mlp");
      }
    }
  }

  /**
   * An estimator with every hyper-parameter of a {@code train} run: the core's parameters, the
   * network choices (an architecture left null is chosen from the features, as train does) and how
   * the job runs. The experiments' tuning searches around such an estimator.
   */
  public static MagnetEstimator of(MagnetParams params, NetworkChoice network, TrainingOptions options) {
    MagnetEstimator e = new MagnetEstimator().setLoss(EnumSpelling.of(params.loss()))
        .setClustersPerClass(params.clustersPerClass()).setClustersPerBatch(params.clustersPerBatch())
        .setExamplesPerCluster(params.examplesPerCluster()).setAlpha(params.alpha())
        .setNearestClusters(params.nearestClusters()).setRefreshEveryBatches(params.refreshEveryBatches())
        .setRefreshesPerEpoch(params.refreshesPerEpoch())
        .setEpochs(params.epochs()).setBatchesPerEpoch(params.batchesPerEpoch())
        .setTripletMargin(params.tripletMargin()).setKmeansIterations(params.kmeansIterations())
        .setSeed(params.seed()).setAveragingFrequency(options.averagingFrequency()).setWorkers(options.workers())
        .setTrainingMaster(EnumSpelling.of(options.trainingMaster())).setAveragingLag(options.averagingLag());
    if (network.architecture() != null) {
      e.setNetwork(EnumSpelling.of(network.architecture()));
    }
    if (network.embeddingDim() != null) {
      e.setEmbeddingDim(network.embeddingDim());
    }
    if (network.learningRate() != null) {
      e.setLearningRate(network.learningRate());
    }
    if (network.hiddenSizes() != null) {
      e.setHiddenSizes(network.hiddenSizes().stream().mapToInt(Integer::intValue).toArray());
    }
    return e;
  }

  /** The training hyper-parameters as the core's record (checked together). */
  public MagnetParams magnetParams() {
    return MagnetParamDefinitions.magnetParams(this);
  }

  /** The network choices: the architecture if set, the embedding width, the learning rate, the hidden sizes if set. */
  public NetworkChoice networkChoice() {
    return MagnetParamDefinitions.networkChoice(this);
  }

  @Override
  public MagnetModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema(), true);
    FeatureColumn features = FeatureColumn.of(dataset.schema(), getFeaturesCol());
    InputShape declared = isDefined(inputShape()) ? MagnetParamDefinitions.shape(getInputShape()) : null;
    MagnetParams params = MagnetParamDefinitions.magnetParams(this);
    SparkDataset train = TrainingFrame.of(dataset, features, getLabelCol(), declared)
        .withAugmentation(MagnetParamDefinitions.augmentation(this));
    JavaSparkContext spark = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    SparkMagnetTrainer.Outcome outcome = new SparkMagnetTrainer(spark, params,
        MagnetParamDefinitions.networkChoice(this).resolve(train.inputShape(), params.seed()), MagnetParamDefinitions.trainingOptions(this))
        .fit(train, null, epoch -> { });
    MagnetModel model = new MagnetModel(uid, outcome.model());
    model.setParent(this);
    return copyValues(model, ParamMap.empty());
  }

  @Override
  public MagnetEstimator copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Spark's reader of saved estimators; {@code Pipeline} persistence finds it by reflection. */
  public static MLReader<MagnetEstimator> read() {
    return new DefaultParamsReader<>();
  }

  public static MagnetEstimator load(String path) {
    return read().load(path);
  }

  public MagnetEstimator setLoss(String value) {
    return (MagnetEstimator) set(loss(), value);
  }

  public MagnetEstimator setClustersPerClass(int value) {
    return (MagnetEstimator) set(clustersPerClass(), value);
  }

  public MagnetEstimator setClustersPerBatch(int value) {
    return (MagnetEstimator) set(clustersPerBatch(), value);
  }

  public MagnetEstimator setExamplesPerCluster(int value) {
    return (MagnetEstimator) set(examplesPerCluster(), value);
  }

  public MagnetEstimator setAlpha(double value) {
    return (MagnetEstimator) set(alpha(), value);
  }

  public MagnetEstimator setNearestClusters(int value) {
    return (MagnetEstimator) set(nearestClusters(), value);
  }

  public MagnetEstimator setRefreshEveryBatches(int value) {
    return (MagnetEstimator) set(refreshEveryBatches(), value);
  }

  public MagnetEstimator setRefreshesPerEpoch(int value) {
    return (MagnetEstimator) set(refreshesPerEpoch(), value);
  }

  public MagnetEstimator setEpochs(int value) {
    return (MagnetEstimator) set(epochs(), value);
  }

  public MagnetEstimator setBatchesPerEpoch(int value) {
    return (MagnetEstimator) set(batchesPerEpoch(), value);
  }

  public MagnetEstimator setTripletMargin(double value) {
    return (MagnetEstimator) set(tripletMargin(), value);
  }

  public MagnetEstimator setKmeansIterations(int value) {
    return (MagnetEstimator) set(kmeansIterations(), value);
  }

  public MagnetEstimator setSeed(long value) {
    return (MagnetEstimator) set(seed(), value);
  }

  public MagnetEstimator setNetwork(String value) {
    return (MagnetEstimator) set(network(), value);
  }

  /** none, flip or crop-flip: the augmentation of training batches (image columns only). */
  public MagnetEstimator setAugment(String value) {
    return (MagnetEstimator) set(augment(), value);
  }

  public MagnetEstimator setEmbeddingDim(int value) {
    return (MagnetEstimator) set(embeddingDim(), value);
  }

  public MagnetEstimator setHiddenSizes(int[] value) {
    return (MagnetEstimator) set(hiddenSizes(), value);
  }

  public MagnetEstimator setLearningRate(double value) {
    return (MagnetEstimator) set(learningRate(), value);
  }

  public MagnetEstimator setInputShape(int[] value) {
    return (MagnetEstimator) set(inputShape(), value);
  }

  public MagnetEstimator setAveragingFrequency(int value) {
    return (MagnetEstimator) set(averagingFrequency(), value);
  }

  /** averaging or sharing: how the workers' updates meet (docs/scaling.md). */
  public MagnetEstimator setTrainingMaster(String value) {
    return (MagnetEstimator) set(trainingMaster(), value);
  }

  /** Batches a worker fits before it takes the round before's mean in (docs/scaling.md, "Overlapped rounds"). */
  public MagnetEstimator setAveragingLag(int value) {
    return (MagnetEstimator) set(averagingLag(), value);
  }

  public MagnetEstimator setWorkers(int value) {
    return (MagnetEstimator) set(workers(), value);
  }

  public MagnetEstimator setFeaturesCol(String value) {
    return (MagnetEstimator) set(featuresCol(), value);
  }

  public MagnetEstimator setLabelCol(String value) {
    return (MagnetEstimator) set(labelCol(), value);
  }

  public MagnetEstimator setEmbeddingCol(String value) {
    return (MagnetEstimator) set(embeddingCol(), value);
  }

  public MagnetEstimator setPredictionCol(String value) {
    return (MagnetEstimator) set(predictionCol(), value);
  }

  public MagnetEstimator setProbabilityCol(String value) {
    return (MagnetEstimator) set(probabilityCol(), value);
  }

  public MagnetEstimator setClusterCol(String value) {
    return (MagnetEstimator) set(clusterCol(), value);
  }
}
