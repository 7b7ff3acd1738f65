package dev.magnet.spark.cli;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainJob;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.train.TrainingMasterKind;
import dev.magnet.spark.train.TrainingOptions;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code magnet train}: the options of a {@link TrainRequest}, run by {@link TrainJob}. Options
 * left out keep the defaults of {@link MagnetParams}, {@link NetworkChoice} and
 * {@link TrainingOptions}, stated there once; {@link #request()} maps the parsed options onto the
 * request without Spark.
 */
@Command(name = TrainArgs.COMMAND,
    description = "Train a Magnet (or baseline) embedding on Spark and save the model directory.")
public final class TrainCommand extends SparkCommand {
  @Option(names = TrainArgs.DATA, required = true, converter = Converters.Data.class, paramLabel = "SOURCE",
      description = "Training data: fashion-mnist | idx:<imagesPath>,<labelsPath>"
          + " | synthetic[:classes=5,sub=3,per=200,size=28|dim=16,seed=N] | images:<root> (a folder tree"
          + " root/<class>/<file> of JPEG/PNG/GIF/BMP files) | parquet:<path>[,features=COL|image=COL][,label=COL]"
          + " (vectors in features, or encoded images or Spark's image structs in image; label integer or string).")
  DataSource data;

  @Option(names = TrainArgs.VALIDATION, converter = Converters.Data.class, paramLabel = "SOURCE",
      description = "Held-out data, evaluated after every epoch: the forms of --data, or fashion-mnist-test;"
          + " synthetic[:per=N] is held out of the same generation as synthetic --data.")
  DataSource validation;

  @Option(names = TrainArgs.LIMIT, paramLabel = "N", description = "Read at most N examples of each data set (not for"
      + " parquet; of an image folder, N files spread evenly over it).")
  Integer limit;

  @Mixin
  ImageArgs images;

  @Option(names = TrainArgs.COARSE, paramLabel = "fashion-mnist|MAPFILE",
      description = "Train on coarse labels: a fine->coarse map (the fine labels are kept for evaluation).")
  String coarse;

  @Option(names = TrainArgs.LOSS, converter = EnumOption.Loss.class, completionCandidates = EnumOption.Loss.class,
      paramLabel = "LOSS", description = "One of: ${COMPLETION-CANDIDATES}; default: magnet.")
  LossKind loss;

  @Option(names = TrainArgs.NETWORK, converter = EnumOption.Network.class,
      completionCandidates = EnumOption.Network.class, paramLabel = "NETWORK",
      description = "One of: ${COMPLETION-CANDIDATES}; default: fmnist-cnn for images, mlp for vectors.")
  Architecture network;

  @Option(names = TrainArgs.EPOCHS, paramLabel = "N", description = "Default: " + MagnetParams.DEFAULT_EPOCHS + ".")
  Integer epochs;

  @Option(names = {TrainArgs.K, TrainArgs.CLUSTERS_PER_CLASS}, paramLabel = "K",
      description = "K-means clusters per class; default: " + MagnetParams.DEFAULT_K + ".")
  Integer clustersPerClass;

  @Option(names = {TrainArgs.M, TrainArgs.CLUSTERS_PER_BATCH}, paramLabel = "M",
      description = "Clusters per neighbourhood (mini-batch); default: " + MagnetParams.DEFAULT_M + ".")
  Integer clustersPerBatch;

  @Option(names = {TrainArgs.D, TrainArgs.EXAMPLES_PER_CLUSTER}, paramLabel = "D",
      description = "Examples drawn per cluster; default: " + MagnetParams.DEFAULT_D + ".")
  Integer examplesPerCluster;

  @Option(names = TrainArgs.ALPHA, paramLabel = "α", description = "Magnet margin; default: "
      + MagnetParams.DEFAULT_ALPHA + ".")
  Double alpha;

  @Option(names = {TrainArgs.L, TrainArgs.NEAREST_CLUSTERS}, paramLabel = "L",
      description = "Clusters voting in the classification rule; default: " + MagnetParams.DEFAULT_L + ".")
  Integer nearestClusters;

  @Option(names = TrainArgs.REFRESH_EVERY, paramLabel = "BATCHES",
      description = "Refresh the cluster index every this many batches; 0 = once per epoch (default).")
  Integer refreshEvery;

  @Option(names = TrainArgs.REFRESHES_PER_EPOCH, paramLabel = "R",
      description = "Refresh the cluster index R times an epoch, at even intervals, whatever the data's size (so a"
          + " configuration tuned on a sample keeps its meaning on the full set); instead of "
          + TrainArgs.REFRESH_EVERY + ".")
  Integer refreshesPerEpoch;

  @Option(names = TrainArgs.BATCHES_PER_EPOCH, paramLabel = "N",
      description = "Mini-batches per epoch; 0 = the training set's size / (M*D), rounded up (default).")
  Integer batchesPerEpoch;

  @Option(names = TrainArgs.TRIPLET_MARGIN, paramLabel = "MARGIN",
      description = "Margin of the batch-hard triplet baseline; default: " + MagnetParams.DEFAULT_TRIPLET_MARGIN + ".")
  Double tripletMargin;

  @Option(names = TrainArgs.KMEANS_ITERATIONS, paramLabel = "N",
      description = "Most Lloyd iterations of one K-means refresh; default: " + MagnetParams.DEFAULT_KMEANS_ITERATIONS
          + ".")
  Integer kmeansIterations;

  @Option(names = TrainArgs.EMBEDDING_DIM, paramLabel = "E",
      description = "Embedding width; default: " + NetworkSpec.DEFAULT_EMBEDDING_DIM + ".")
  Integer embeddingDim;

  @Option(names = TrainArgs.HIDDEN_SIZES, paramLabel = "W[,W...]", split = ",",
      description = "Widths of the ReLU dense layers before the embedding; default: the network's own.")
  List<Integer> hiddenSizes;

  @Option(names = TrainArgs.LEARNING_RATE, paramLabel = "RATE",
      description = "Adam's learning rate; default: " + NetworkSpec.DEFAULT_LEARNING_RATE + ".")
  Double learningRate;

  @Option(names = TrainArgs.SEED, paramLabel = "SEED",
      description = "Seed of the weights, sampling, K-means and synthetic data; default: " + MagnetParams.DEFAULT_SEED
          + ".")
  Long seed;

  @Option(names = TrainArgs.AVERAGING_FREQUENCY, paramLabel = "BATCHES",
      description = "Batches each worker fits between parameter averagings; default: "
          + TrainingOptions.DEFAULT_AVERAGING_FREQUENCY + ".")
  Integer averagingFrequency;

  @Option(names = TrainArgs.AVERAGING_LAG, paramLabel = "BATCHES",
      description = "With --training-master averaging: batches of the next round a worker fits while the round it"
          + " ended is averaged, before it takes that mean in, so that it waits only for a worker more than this"
          + " far behind; 0: every worker waits for each round's mean, as DL4J's parameter averaging; default: "
          + TrainingOptions.DEFAULT_AVERAGING_LAG + ". See docs/scaling.md.")
  Integer averagingLag;

  @Option(names = TrainArgs.WORKERS, paramLabel = "N",
      description = "Data-parallel workers; 0 = Spark's default parallelism (default).")
  Integer workers;

  @Option(names = TrainArgs.TRAINING_MASTER, converter = EnumOption.Master.class,
      completionCandidates = EnumOption.Master.class, paramLabel = "averaging|sharing",
      description = "How the workers' updates meet: averaging (parameter averaging every --averaging-frequency"
          + " batches, a chunk's rounds in one Spark barrier stage, the workers averaging among themselves; default;"
          + " falls back to dl4j-averaging under dynamic allocation or with fewer task slots than workers),"
          + " dl4j-averaging (the same averaging by DL4J's master: one Spark job a round through the driver), or"
          + " sharing (DL4J's gradient sharing: threshold-encoded updates"
          + " between the executors over UDP, one training thread each, for many workers or large networks; no"
          + " per-update timing or worker-side divergence guard; on multi-host clusters set"
          + " spark.magnet.sharing.networkMask). See docs/scaling.md.")
  TrainingMasterKind trainingMaster;

  @Option(names = TrainArgs.CHECKPOINT_DIR, paramLabel = "DIR", description = "Write a checkpoint after every epoch"
      + " here.")
  String checkpointDir;

  @Option(names = TrainArgs.RESUME, description = "Continue from the last checkpoint in --checkpoint-dir whose"
      + " parameters are finite; it must exist and be of this data and these parameters (--epochs and"
      + " --learning-rate may differ).")
  boolean resume;

  @Option(names = TrainArgs.RESUME_IF_PRESENT, description = "As " + TrainArgs.RESUME + ", but start at epoch 1"
      + " when --checkpoint-dir holds no checkpoint yet: for a scheduled run that passes it every time.")
  boolean resumeIfPresent;

  @Option(names = TrainArgs.INIT_FROM, paramLabel = "MODEL|PUBLISHDIR",
      description = "Continue from a model directory, or from the latest version of a publish directory: its network"
          + " (weights, optimiser state, architecture) and cluster index. K-means warm-starts for known classes; new"
          + " classes get fresh clusters; classes the data no longer has are dropped with a warning; a renamed class"
          + " is an error.")
  String initFrom;

  @Option(names = TrainArgs.PRETRAINED, paramLabel = "MODEL",
      description = "Start from the network body (every layer up to the embedding) of a model trained with any loss on"
          + " any classes, with a fresh head, optimiser and index: pre-training on another task. The architecture and"
          + " widths are the model's.")
  String pretrained;

  @Option(names = TrainArgs.OUTPUT, paramLabel = "DIR", description = "The model directory to write (or"
      + " --publish-to).")
  String output;

  @Mixin
  PublishArgs publishing;

  @Option(names = TrainArgs.OVERWRITE, description = "Replace an existing --output directory.")
  boolean overwrite;

  @Option(names = TrainArgs.METRICS, paramLabel = "PATH", description = "Where to write metrics.json; default:"
      + " <output>/metrics.json.")
  String metrics;

  @Option(names = TrainArgs.MIN_METRIC, paramLabel = "NAME=VALUE",
      description = "Fail with exit status " + ExitCodes.METRIC_GATE_FAILED
          + " unless the final validation metric NAME is at least VALUE; repeatable.")
  Map<String, Double> minMetrics = new LinkedHashMap<>();

  @Option(names = TrainArgs.NO_REPORT, description = "Do not write the HTML report (plots of the run and of the"
      + " embedding space) to <output>/report; a report that cannot be written is only a warning.")
  boolean noReport;

  /** The hyper-parameters: {@link MagnetParams#defaults()} with the options given. */
  MagnetParams params() {
    MagnetParams d = MagnetParams.defaults();
    return new MagnetParams(or(loss, d.loss()), or(clustersPerClass, d.clustersPerClass()),
        or(clustersPerBatch, d.clustersPerBatch()), or(examplesPerCluster, d.examplesPerCluster()), or(alpha, d.alpha()),
        or(nearestClusters, d.nearestClusters()), or(refreshEvery, d.refreshEveryBatches()),
        or(refreshesPerEpoch, d.refreshesPerEpoch()), or(epochs, d.epochs()),
        or(batchesPerEpoch, d.batchesPerEpoch()), or(tripletMargin, d.tripletMargin()),
        or(kmeansIterations, d.kmeansIterations()), or(seed, d.seed()));
  }

  private static <T> T or(T given, T otherwise) {
    return given != null ? given : otherwise;
  }

  /** How the job runs: {@link TrainingOptions#defaults()} with the options given. */
  TrainingOptions trainingOptions() {
    TrainingOptions d = TrainingOptions.defaults();
    if (resume && resumeIfPresent) {
      throw new IllegalArgumentException(TrainArgs.RESUME + " and " + TrainArgs.RESUME_IF_PRESENT
          + " exclude each other");
    }
    TrainingMasterKind master = or(trainingMaster, d.trainingMaster());
    TrainArgs.checkRoundOptions(master, averagingFrequency, averagingLag);
    return new TrainingOptions(checkpointDir, resume || resumeIfPresent, resumeIfPresent,
        or(averagingFrequency, d.averagingFrequency()), or(averagingLag, d.averagingLag()),
        or(workers, d.workers()), d.smallClassLimit(), master);
  }

  /** The request the options state, unchecked; {@link IllegalArgumentException} naming a value out of range. */
  public TrainRequest request() {
    TrainRequest.Publication publication = publishing.publication();
    return new TrainRequest(data, validation, limit, coarse, params(),
        new NetworkChoice(network, embeddingDim, learningRate, hiddenSizes), trainingOptions(), initFrom, pretrained,
        output, publication, overwrite, metrics, minMetrics, !noReport,
        images.options());
  }

  @Override
  public Integer call() {
    TrainRequest request = JobException.argument(() -> request().check());
    try (SparkOptions.Session session = spark.session("magnet " + TrainArgs.COMMAND)) {
      return new TrainJob(session.spark(), spark.out(), spark.err()).run(request);
    }
  }
}
