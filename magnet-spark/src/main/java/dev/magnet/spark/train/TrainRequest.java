package dev.magnet.spark.train;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.metrics.MetricGates;
import dev.magnet.spark.util.Arguments;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;

/**
 * One {@code train} run as typed values: what to read, what to learn and how, where the model
 * goes. {@code ./spark-submit train} parses its options into one; the experiments and the demo
 * build them directly and print {@link #toArgs()}, the command that does the same run by hand.
 * Nothing in a request has been read or checked against data yet; {@link #check()} states the
 * rules that need no data.
 *
 * @param data the training data
 * @param validation held-out data evaluated after every epoch, or null
 * @param limit examples read of each data set, or null for all
 * @param coarse the fine-to-coarse map to train on coarse labels ({@code fashion-mnist} or a map
 *     file), or null
 * @param params what is learned (the run's seed seeds the weights too)
 * @param network the network asked for (a model to continue from brings its own)
 * @param options how the Spark job runs
 * @param initFrom a model or publish directory to continue from, or null
 * @param pretrained a model whose network body (every layer up to the embedding) starts this run,
 *     whatever loss and classes it was trained with, or null
 * @param output the model directory to write, or null when publishing
 * @param publication where and how to publish instead of {@code output}, or null
 * @param overwrite replace an existing {@code output}
 * @param metricsPath where metrics.json goes, or null for the model directory's
 * @param minMetrics gates: the final validation metric NAME must be at least VALUE
 * @param report whether to write the HTML report into the model directory
 * @param images how image files are sized, labelled and augmented
 */
public record TrainRequest(DataSource data, DataSource validation, Integer limit, String coarse, MagnetParams params,
    NetworkChoice network, TrainingOptions options, String initFrom, String pretrained, String output,
    Publication publication, boolean overwrite, String metricsPath, Map<String, Double> minMetrics, boolean report, ImageOptions images) {
  /** The held-out metric {@code --no-worse-than} compares when none is named: computed for every loss. */
  public static final String DEFAULT_COMPARE_METRIC = Metric.KNN1_ACCURACY.key();

  /**
   * Publishing instead of writing one model directory.
   *
   * @param directory the publish directory: versions {@code vN} and the {@code LATEST} pointer
   * @param runId the scheduled run's id, or null for a fresh one
   * @param noWorseThan promote only when the compared metric is at least the latest's minus a
   *     tolerance, or null
   * @param compareMetric the held-out metric {@code noWorseThan} compares
   */
  public record Publication(String directory, String runId, NoWorseThan noWorseThan, String compareMetric) {
    public Publication {
      Objects.requireNonNull(directory, "directory");
      compareMetric = compareMetric == null ? DEFAULT_COMPARE_METRIC : compareMetric;
    }
  }

  public TrainRequest {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(params, "params");
    network = network == null ? NetworkChoice.defaults() : network;
    options = options == null ? TrainingOptions.defaults() : options;
    minMetrics = minMetrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(minMetrics));
    images = images == null ? ImageOptions.defaults() : images;
  }

  /** A request with every default: train on {@code data}, write {@code output}, with a report. */
  public static TrainRequest of(DataSource data, String output) {
    return new TrainRequest(data, null, null, null, MagnetParams.defaults(), NetworkChoice.defaults(),
        TrainingOptions.defaults(), null, null, output, null, false, null, Map.of(), true, ImageOptions.defaults());
  }

  /**
   * The rules that need no data, each an {@link IllegalArgumentException} naming the options and
   * values: one destination, publishing options only with publishing, gates only with validation
   * data, a network only without a model to continue from, a limit only on data that has rows to
   * count, metric names the evaluator reports, a synthetic validation set held out of synthetic
   * data; image options only with data that may be image files, augmentation only of 8-bit images.
   */
  public TrainRequest check() {
    if ((output == null) == (publication == null)) {
      throw new IllegalArgumentException("pass exactly one of " + TrainArgs.OUTPUT + " and " + TrainArgs.PUBLISH_TO
          + "; output=" + output + ", publish-to=" + (publication == null ? null : publication.directory()));
    }
    if (publication != null) {
      if (publication.noWorseThan() != null && validation == null) {
        throw new IllegalArgumentException(TrainArgs.NO_WORSE_THAN + " compares held-out metrics; pass "
            + TrainArgs.VALIDATION);
      }
      if (publication.runId() != null) {
        PublishDirectory.checkRunId(publication.runId());
      }
      MetricGates.checkName(TrainArgs.COMPARE_METRIC, publication.compareMetric());
    }
    new MetricGates(minMetrics);
    if (!minMetrics.isEmpty() && validation == null) {
      throw new IllegalArgumentException(TrainArgs.MIN_METRIC + " gates the final validation metrics; pass "
          + TrainArgs.VALIDATION);
    }
    if (initFrom != null && !network.isDefault()) {
      throw new IllegalArgumentException(TrainArgs.NETWORK + ", " + TrainArgs.EMBEDDING_DIM + ", "
          + TrainArgs.HIDDEN_SIZES + " and " + TrainArgs.LEARNING_RATE + " come from the " + TrainArgs.INIT_FROM
          + " model; leave them out");
    }
    if (pretrained != null && initFrom != null) {
      throw new IllegalArgumentException(TrainArgs.PRETRAINED + " starts a fresh run from another model's network body;"
          + " " + TrainArgs.INIT_FROM + " continues a model: pass one of them");
    }
    if (pretrained != null && (network.architecture() != null || network.embeddingDim() != null
        || network.hiddenSizes() != null)) {
      throw new IllegalArgumentException(TrainArgs.NETWORK + ", " + TrainArgs.EMBEDDING_DIM + " and "
          + TrainArgs.HIDDEN_SIZES + " come from the " + TrainArgs.PRETRAINED + " model; leave them out");
    }
    DataSource.rowLimit(limit, data, validation);
    if (validation != null && validation.kind() == DataSource.Kind.SYNTHETIC) {
      DataSource.checkHeldOut(data, validation);
    }
    checkImages();
    return this;
  }

  private void checkImages() {
    if ((images.size() != null || images.channels() != null) && !data.mayHoldImageFiles()) {
      throw new IllegalArgumentException(TrainArgs.IMAGE_SIZE + " and " + TrainArgs.CHANNELS + " apply to image files"
          + " (images:, or parquet: of encoded images); data=" + data);
    }
    if ((images.size() != null || images.channels() != null) && initFrom != null) {
      throw new IllegalArgumentException(TrainArgs.IMAGE_SIZE + " and " + TrainArgs.CHANNELS + " come from the "
          + TrainArgs.INIT_FROM + " model; leave them out");
    }
    if (images.labels() != null && data.kind() != DataSource.Kind.IMAGES
        && (validation == null || validation.kind() != DataSource.Kind.IMAGES)) {
      throw new IllegalArgumentException(TrainArgs.LABELS + " names the classes of image folders (images:); data="
          + data + (validation == null ? "" : ", validation=" + validation));
    }
    if (images.augmentation() != ImagePreprocessing.Augmentation.NONE && (data.kind() == DataSource.Kind.SYNTHETIC
        || data.kind() == DataSource.Kind.PARQUET && !data.mayHoldImageFiles())) {
      throw new IllegalArgumentException(TrainArgs.AUGMENT + " needs 8-bit images (image files, IDX, Fashion-MNIST);"
          + " data=" + data);
    }
  }

  /** The gates of {@code minMetrics}. */
  public MetricGates gates() {
    return new MetricGates(minMetrics);
  }

  /** Where metrics.json goes for a model written to {@code modelDir}. */
  public String metricsPath(String modelDir) {
    return metricsPath != null ? metricsPath : new Path(modelDir, MetricsJson.FILE_NAME).toString();
  }

  /**
   * The held-out data as this run states it, recorded with a published version so that
   * {@code --no-worse-than} compares like with like: the validation source, and for synthetic data
   * the generation it is held out of; the row limit and coarse labels when given.
   */
  public String validationIdentity() {
    if (validation == null) {
      return null;
    }
    StringBuilder id = new StringBuilder(validation.toString());
    if (validation.kind() == DataSource.Kind.SYNTHETIC) {
      id.append(" held out of ").append(data);
    }
    if (limit != null) {
      id.append(" limit=").append(limit);
    }
    if (coarse != null) {
      id.append(" coarse=").append(coarse);
    }
    return id.toString();
  }

  public TrainRequest withData(DataSource value, DataSource held) {
    return with(c -> {
      c.data = value;
      c.validation = held;
    });
  }

  /** Writes the model to {@code dir}, replacing an existing one when {@code replace}. */
  public TrainRequest withOutput(String dir, boolean replace) {
    return with(c -> {
      c.output = dir;
      c.publication = null;
      c.overwrite = replace;
    });
  }

  public TrainRequest withLimit(Integer value) {
    return with(c -> c.limit = value);
  }

  public TrainRequest withCoarse(String value) {
    return with(c -> c.coarse = value);
  }

  public TrainRequest withParams(MagnetParams value) {
    return with(c -> c.params = value);
  }

  public TrainRequest withNetwork(NetworkChoice value) {
    return with(c -> c.network = value);
  }

  public TrainRequest withOptions(TrainingOptions value) {
    return with(c -> c.options = value);
  }

  public TrainRequest withPretrained(String value) {
    return with(c -> c.pretrained = value);
  }

  public TrainRequest withReport(boolean value) {
    return with(c -> c.report = value);
  }

  public TrainRequest withImages(ImageOptions value) {
    return with(c -> c.images = value);
  }

  /** This request with the changes {@code change} makes to a copy. */
  private TrainRequest with(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  /** The components of a {@link TrainRequest} being copied, one field each, so a copy names only what changes. */
  private static final class Copy {
    DataSource data;
    DataSource validation;
    Integer limit;
    String coarse;
    MagnetParams params;
    NetworkChoice network;
    TrainingOptions options;
    String initFrom;
    String pretrained;
    String output;
    Publication publication;
    boolean overwrite;
    String metricsPath;
    Map<String, Double> minMetrics;
    boolean report;
    ImageOptions images;

    Copy(TrainRequest r) {
      data = r.data;
      validation = r.validation;
      limit = r.limit;
      coarse = r.coarse;
      params = r.params;
      network = r.network;
      options = r.options;
      initFrom = r.initFrom;
      pretrained = r.pretrained;
      output = r.output;
      publication = r.publication;
      overwrite = r.overwrite;
      metricsPath = r.metricsPath;
      minMetrics = r.minMetrics;
      report = r.report;
      images = r.images;
    }

    TrainRequest build() {
      return new TrainRequest(data, validation, limit, coarse, params, network, options, initFrom, pretrained,
          output, publication, overwrite, metricsPath, minMetrics, report, images);
    }
  }

  /**
   * The command line of this run, the command's name first, in the spelling {@code train} parses:
   * the data, the loss, epochs and seed always, every other value only where it differs from its
   * default. Parsing it gives this request back.
   */
  public List<String> toArgs() {
    MagnetParams d = MagnetParams.defaults();
    Arguments args = new Arguments(TrainArgs.COMMAND);
    args.option(TrainArgs.DATA, data);
    args.option(TrainArgs.VALIDATION, validation);
    args.option(TrainArgs.COARSE, coarse);
    args.option(TrainArgs.NETWORK, network.architecture() == null ? null : EnumSpelling.of(network.architecture()));
    args.option(TrainArgs.LOSS, EnumSpelling.of(params.loss()));
    args.option(TrainArgs.EPOCHS, params.epochs());
    args.option(TrainArgs.SEED, params.seed());
    args.option(TrainArgs.LIMIT, limit);
    args.option(TrainArgs.LABELS, images.labels());
    args.option(TrainArgs.IMAGE_SIZE, images.size());
    args.option(TrainArgs.CHANNELS, images.channels());
    args.changed(TrainArgs.AUGMENT, EnumSpelling.of(images.augmentation()),
        EnumSpelling.of(ImagePreprocessing.Augmentation.NONE));
    args.changed(TrainArgs.K, params.clustersPerClass(), d.clustersPerClass());
    args.changed(TrainArgs.M, params.clustersPerBatch(), d.clustersPerBatch());
    args.changed(TrainArgs.D, params.examplesPerCluster(), d.examplesPerCluster());
    args.changed(TrainArgs.ALPHA, params.alpha(), d.alpha());
    args.changed(TrainArgs.L, params.nearestClusters(), d.nearestClusters());
    args.changed(TrainArgs.REFRESH_EVERY, params.refreshEveryBatches(), d.refreshEveryBatches());
    args.changed(TrainArgs.REFRESHES_PER_EPOCH, params.refreshesPerEpoch(), d.refreshesPerEpoch());
    args.changed(TrainArgs.BATCHES_PER_EPOCH, params.batchesPerEpoch(), d.batchesPerEpoch());
    args.changed(TrainArgs.TRIPLET_MARGIN, params.tripletMargin(), d.tripletMargin());
    args.changed(TrainArgs.KMEANS_ITERATIONS, params.kmeansIterations(), d.kmeansIterations());
    args.option(TrainArgs.EMBEDDING_DIM, network.embeddingDim());
    args.option(TrainArgs.HIDDEN_SIZES, network.hiddenSizes() == null ? null
        : network.hiddenSizes().stream().map(String::valueOf).collect(Collectors.joining(",")));
    args.option(TrainArgs.LEARNING_RATE, network.learningRate());
    TrainingOptions o = TrainingOptions.defaults();
    args.changed(TrainArgs.AVERAGING_FREQUENCY, options.averagingFrequency(), o.averagingFrequency());
    if (options.trainingMaster() == TrainingMasterKind.AVERAGING) {
      args.changed(TrainArgs.AVERAGING_LAG, options.averagingLag(), o.averagingLag());
    }
    args.changed(TrainArgs.WORKERS, options.workers(), o.workers());
    args.changed(TrainArgs.TRAINING_MASTER, EnumSpelling.of(options.trainingMaster()),
        EnumSpelling.of(o.trainingMaster()));
    args.option(TrainArgs.CHECKPOINT_DIR, options.checkpointDir());
    args.flag(TrainArgs.RESUME, options.resume() && !options.startIfNone());
    args.flag(TrainArgs.RESUME_IF_PRESENT, options.startIfNone());
    args.option(TrainArgs.INIT_FROM, initFrom);
    args.option(TrainArgs.PRETRAINED, pretrained);
    args.option(TrainArgs.OUTPUT, output);
    if (publication != null) {
      args.option(TrainArgs.PUBLISH_TO, publication.directory());
      args.option(TrainArgs.RUN_ID, publication.runId());
      args.option(TrainArgs.NO_WORSE_THAN, publication.noWorseThan());
      args.changed(TrainArgs.COMPARE_METRIC, publication.compareMetric(), DEFAULT_COMPARE_METRIC);
    }
    minMetrics.forEach((name, value) -> args.option(TrainArgs.MIN_METRIC, name + "=" + Arguments.plain(value)));
    args.option(TrainArgs.METRICS, metricsPath);
    args.flag(TrainArgs.NO_REPORT, !report);
    args.flag(TrainArgs.OVERWRITE, overwrite);
    return args.words();
  }
}
