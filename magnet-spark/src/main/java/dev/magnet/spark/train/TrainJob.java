package dev.magnet.spark.train;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.Hierarchy;
import dev.magnet.spark.data.ImageReport;
import dev.magnet.spark.data.LoadReport;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.SparkDatasets;
import dev.magnet.spark.data.image.RejectedFile;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.io.RejectsTable;
import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.metrics.MetricGates;
import dev.magnet.spark.metrics.MemorySampler;
import dev.magnet.spark.metrics.PeakMemory;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.report.TextSummary;
import dev.magnet.spark.report.TrainingReport;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code train} job: loads the data (relabelled to coarse classes when asked), continues from
 * a model when asked, trains with {@link SparkMagnetTrainer}, saves the model directory atomically,
 * writes {@code metrics.json} (with the job's memory peaks and {@code train_examples}), the rejects
 * table of image files ({@code <model>/rejects}) and the HTML report, prints a summary table, and
 * either checks the metric gates or publishes the model ({@link Publishing}).
 *
 * <p>Failures are {@link JobException}s with the exit status of their kind: bad arguments (2),
 * unreadable data (3), training or saving failed (4), a gate not met (5, the model is saved).
 */
public final class TrainJob extends SparkJob {
  /** The rejects table of a run on image files, in the model directory. */
  public static final String REJECTS = "rejects";


  /**
   * @param out where the progress lines and the summary go
   * @param err where warnings go
   */
  public TrainJob(SparkSession session, PrintWriter out, PrintWriter err) {
    super(session, out, err);
  }

  /** Runs one request; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run(TrainRequest request) {
    JobException.argument(request::check);
    MetricGates gates = request.gates();
    int rows = DataSource.rowLimit(request.limit(), request.data(), request.validation());
    MagnetParams params = request.params();
    Publishing publishing = null;
    String id = null;
    if (request.publication() == null) {
      checkOutput(request, conf);
    } else {
      id = request.publication().runId() != null ? request.publication().runId() : freshRunId();
      publishing = new Publishing(request, id, conf, err);
      Optional<Integer> done = publishing.alreadyPublished(out);
      if (done.isPresent()) {
        return done.get();
      }
    }
    checkResume(request.options(), conf);
    String modelDir = publishing == null ? request.output() : publishing.stagingPath();
    TrainingOptions options = publishing == null ? request.options() : publishing.trainingOptions();
    String resolved = request.initFrom() == null ? null
        : JobException.input(() -> PublishDirectory.resolve(request.initFrom(), conf));
    ModelArtifact base = resolved == null ? null : JobException.input(() -> HadoopModelDirectory.load(resolved, conf));
    ModelArtifact pretrained = request.pretrained() == null ? null : pretrained(request, conf);
    // image files are made inputs as the model that starts this run made them
    Loaded sets = JobException.input(() -> load(request, rows, conf, base != null ? base : pretrained));
    WarmStart warm = base == null ? null : warmStart(request, resolved, base, sets.train());
    NetworkSpec network = warm != null ? warm.model().networkSpec()
        : pretrained != null ? JobException.argument(() -> pretrainedSpec(pretrained, request, sets.train()))
        : JobException.argument(() -> request.network().resolve(sets.train().inputShape(), params.seed()));
    SparkMagnetTrainer.Outcome outcome;
    MemorySampler memory = MemorySampler.start(session.sparkContext());
    try {
      SparkMagnetTrainer trainer = new SparkMagnetTrainer(spark, params, network, options)
          .warnTo(message -> err.println("magnet train: warning: " + message));
      if (pretrained != null) {
        trainer = trainer.startingFrom(pretrained.network());
      }
      outcome = (warm == null ? trainer : trainer.initFrom(warm)).fit(sets.train(), sets.validation(),
          epoch -> out.println(TextSummary.epochLine(epoch)));
    } catch (JobException e) {
      throw e;
    } catch (Exception e) { // SparkException is checked, and Scala does not declare it
      if (JobException.badInput(e)) {
        throw new JobException(ExitCodes.BAD_INPUT, "cannot read the data: " + JobException.describe(e), e);
      }
      throw new JobException(ExitCodes.TRAINING_FAILED, "training failed: " + JobException.describe(e), e);
    } finally {
      memory.close();
    }
    Map<String, Double> finalMetrics = outcome.epochs().isEmpty() ? Map.of()
        : outcome.epochs().get(outcome.epochs().size() - 1).validation();
    String rejects = sets.trainImages() == null && sets.validationImages() == null ? null
        : new org.apache.hadoop.fs.Path(modelDir, REJECTS).toString();
    try {
      HadoopModelDirectory.save(outcome.model(), modelDir, conf, request.overwrite());
      if (rejects != null) {
        RejectsTable.write(session, sets.rejects(), rejects);
      }
      MetricsJson.write(request.metricsPath(modelDir), conf, outcome.epochs(), summary(outcome, finalMetrics, sets),
          PeakMemory.measure(session.sparkContext(),
              memory.breakdown().withValidationCollectBytes(outcome.validationCollectBytes())));
    } catch (IOException e) {
      throw new JobException(ExitCodes.TRAINING_FAILED, "cannot save the results: " + JobException.describe(e), e);
    }
    String report = request.report() ? writeReport(outcome, finalMetrics, sets, params, conf, modelDir) : null;
    out.print(TextSummary.table(outcome.epochs()));
    if (publishing != null) {
      return publishing.publish(modelDir, finalMetrics, out);
    }
    out.println("model: " + request.output() + "  metrics: " + request.metricsPath(request.output()));
    if (rejects != null) {
      out.println("rejects: " + rejects + " (" + sets.rejects().size() + " inputs)");
    }
    if (report != null) {
      out.println("report: " + report);
    }
    List<String> failures = gates.failures(finalMetrics);
    if (!failures.isEmpty()) {
      throw new JobException(ExitCodes.METRIC_GATE_FAILED, "metric gate failed: " + String.join("; ", failures));
    }
    return ExitCodes.SUCCESS;
  }

  /** A run id unique to this run: the UTC time and a random suffix. */
  private static String freshRunId() {
    return "run-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC).format(Instant.now())
        + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * The HTML report in {@code <model>/report}; returns the page's path, or null after a warning
   * when it cannot be written: the model and metrics are saved by then, and a report is no reason
   * to fail the run.
   */
  private String writeReport(SparkMagnetTrainer.Outcome outcome, Map<String, Double> finalMetrics, Loaded sets,
      MagnetParams params, Configuration conf, String modelDir) {
    try {
      return TrainingReport.write(outcome.model(), outcome.epochs(), finalMetrics,
          sets.validation() != null ? sets.validation() : sets.train(), sets.validation() != null, sets.train(),
          params, modelDir, conf);
    } catch (IOException | RuntimeException e) {
      err.println("magnet train: warning: report not written: "
          + (e instanceof IOException || e instanceof IllegalArgumentException ? "" : e.getClass().getName() + ": ")
          + JobException.describe(e));
      return null;
    }
  }

  /** The model of {@code --pretrained} (a publish directory's latest version). */
  private ModelArtifact pretrained(TrainRequest request, Configuration conf) {
    String resolved = JobException.input(() -> PublishDirectory.resolve(request.pretrained(), conf));
    ModelArtifact model = JobException.input(() -> HadoopModelDirectory.load(resolved, conf));
    out.println("network body pre-trained by " + resolved + " (" + model.params().loss() + " loss on "
        + model.labelNames().size() + " classes)");
    return model;
  }

  /**
   * The network of a run starting from a pre-trained body: the model's architecture and widths,
   * this run's learning rate (or the default) and seed.
   */
  private static NetworkSpec pretrainedSpec(ModelArtifact model, TrainRequest request, SparkDataset train) {
    NetworkSpec spec = model.networkSpec();
    if (!spec.input().equals(train.inputShape())) {
      throw new IllegalArgumentException(TrainArgs.PRETRAINED + " " + request.pretrained() + " takes inputs of"
          + " another shape; model=" + spec.input() + ", data=" + train.inputShape());
    }
    Double rate = request.network().learningRate();
    return spec.withLearningRate(rate != null ? rate : NetworkSpec.DEFAULT_LEARNING_RATE)
        .withSeed(request.params().seed());
  }

  /** The model of {@code --init-from} (a publish directory's latest version), mapped onto this run's labels. */
  private WarmStart warmStart(TrainRequest request, String resolved, ModelArtifact base, SparkDataset train) {
    WarmStart warm = JobException.argument(() -> WarmStart.of(base, resolved, train.labelNames(),
        request.params().loss(), train.inputShape()));
    out.println("initialised from " + resolved + (warm.added().isEmpty() ? "" : "; new classes (fresh clusters): "
        + warm.added()));
    if (!warm.vanished().isEmpty()) {
      err.println("magnet train: warning: classes of " + resolved + " that the data no longer has are dropped from"
          + " the index: " + warm.vanished());
    }
    return warm;
  }

  private static Map<String, Double> summary(SparkMagnetTrainer.Outcome outcome, Map<String, Double> finalMetrics,
      Loaded sets) {
    Map<String, Double> summary = new LinkedHashMap<>(finalMetrics);
    summary.put("epochs", (double) outcome.epochs().size());
    summary.put("first_epoch_run", (double) outcome.firstEpochRun());
    summary.put("total_seconds", outcome.epochs().stream().mapToDouble(SparkEpochMetrics::totalSeconds).sum());
    summary.put("train_examples", (double) outcome.model().provenance().trainingExamples());
    imageSummary(summary, "", sets.trainImages());
    imageSummary(summary, "validation_", sets.validationImages());
    return summary;
  }

  /**
   * {@code --resume} asks to continue a run: without a checkpoint to continue from (an empty or
   * mistyped directory) it is an argument error, not a fresh start. (A publishing run with a run id
   * resumes its own checkpoints when they exist, and starts fresh when they do not: its options
   * come from {@link Publishing#trainingOptions}, not from the request checked here; so does
   * {@code --resume-if-present}, for a scheduled run that passes it every time.)
   */
  private static void checkResume(TrainingOptions options, Configuration conf) {
    if (!options.resume() || options.startIfNone()) {
      return;
    }
    CheckpointStore store = new CheckpointStore(options.checkpointDir(), conf);
    List<Integer> epochs = JobException.input(store::epochs);
    if (epochs.isEmpty()) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, TrainArgs.RESUME + ": no checkpoint in "
          + options.checkpointDir() + " (no epoch-NNNN directory: it is empty, missing or another directory);"
          + " give the directory the run wrote its checkpoints to, train without " + TrainArgs.RESUME + ", or pass "
          + TrainArgs.RESUME_IF_PRESENT + " to start at epoch 1 when there is none");
    }
  }

  /**
   * The image inputs of a data set in metrics.json: {@code image_files} read,
   * {@code rejected_files} and {@code rejected_<reason>}, and {@code decode_seconds}, the one-off
   * decode; prefixed for the validation set.
   */
  private static void imageSummary(Map<String, Double> summary, String prefix, ImageReport images) {
    if (images == null) {
      return;
    }
    summary.put(prefix + "image_files", (double) images.inputs());
    summary.put(prefix + "rejected_files", (double) images.rejected());
    images.rejectedByReason().forEach((reason, n) -> summary.put(prefix + "rejected_" + reason.replace('-', '_'),
        (double) n));
    summary.put(prefix + "decode_seconds", images.decodeSeconds());
  }

  /**
   * Image classes are fixed by their folders (or labels) before any file is decoded; one left with
   * fewer usable images than the loss's batches take of a class is bad input (exit 3), named.
   *
   * @param counts usable images by the class trained on (coarse classes when relabelled)
   */
  private static void checkClassSizes(Map<String, Long> counts, ImageReport images, MagnetParams params) {
    int min = Objective.of(params).minExamplesPerClass();
    List<String> small = new ArrayList<>();
    counts.forEach((name, n) -> {
      if (n < min) {
        small.add(name + " (" + n + ")");
      }
    });
    if (!small.isEmpty()) {
      throw new JobException(ExitCodes.BAD_INPUT, "classes with fewer usable images than " + min + ", what "
          + EnumSpelling.of(params.loss()) + " draws of a class" + (params.loss() == LossKind.MAGNET
              ? " (one cluster's " + TrainArgs.D + ")" : "") + ": " + String.join(", ", small) + " in " + images.source()
          + (images.rejected() == 0 ? "" : "; " + images.rejected() + " inputs were rejected " + images.rejectedByReason())
          + "; add images, remove the class, or lower " + TrainArgs.D);
    }
  }

  private static void checkOutput(TrainRequest request, Configuration conf) {
    boolean exists = JobException.input(() -> HadoopModelDirectory.exists(request.output(), conf));
    if (exists && !request.overwrite()) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS,
          "output " + request.output() + " already exists; pass " + TrainArgs.OVERWRITE + " to replace it");
    }
    if (exists) {
      try {
        StagedOutput.checkReplaceable(request.output(), conf);
      } catch (IOException e) {
        throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + JobException.describe(e), e);
      }
    }
  }

  /**
   * The training set and the validation set (or null), and what loading their image files did
   * (null for other data).
   */
  private record Loaded(SparkDataset train, SparkDataset validation, ImageReport trainImages,
      ImageReport validationImages) {
    /** Every rejected input of both sets. */
    List<RejectedFile> rejects() {
      List<RejectedFile> all = new ArrayList<>();
      for (ImageReport r : new ImageReport[] {trainImages, validationImages}) {
        if (r != null) {
          all.addAll(r.rejects());
        }
      }
      return all;
    }
  }

  /**
   * The data sets, relabelled when a coarse map is given; image files as the options say (or as
   * the model to continue from takes them), held-out ones exactly as the training set's.
   */
  private Loaded load(TrainRequest request, int rows, Configuration conf, ModelArtifact base) throws IOException {
    DataSource data = request.data();
    DataSource validation = request.validation();
    long dataSeed = request.params().seed();
    SparkDataset train;
    SparkDataset held = null;
    ImageReport trainImages = null;
    ImageReport heldImages = null;
    if (validation != null && validation.kind() == DataSource.Kind.SYNTHETIC) {
        DataSource.Split split = DataSource.heldOut(data, validation, dataSeed);
      train = SparkDatasets.synthetic(spark, DataSource.first(split.train(), rows));
      held = SparkDatasets.synthetic(spark, DataSource.first(split.validation(), rows));
    } else {
      ImageOptions images = request.images();
      LoadReport trainReport = data.load(session, rows, dataSeed, null,
          images.training(base == null ? null : base.preprocessing(), data));
      train = reported(trainReport, data);
      trainImages = trainReport.images();
      if (validation != null) {
        LoadReport heldReport = validation.load(session, rows, dataSeed, train.labelNames(),
            images.heldOut(train.preprocessing(), validation));
        held = reported(heldReport, validation);
        heldImages = heldReport.images();
      }
    }
    train = train.withAugmentation(request.images().augmentation());
    Map<String, Long> classCounts = trainImages == null ? null : trainImages.classCounts();
    if (request.coarse() != null) {
      Hierarchy hierarchy = Hierarchy.load(request.coarse(), conf);
      train = SparkDatasets.withCoarseLabels(train, hierarchy.map(), hierarchy.coarseNames());
      if (classCounts != null) {
        classCounts = hierarchy.coarseCounts(classCounts);
      }
      if (held != null) {
        held = SparkDatasets.withCoarseLabels(held, hierarchy.map(), hierarchy.coarseNames());
      }
    }
    if (classCounts != null) {
      checkClassSizes(classCounts, trainImages, request.params());
    }
    if (held != null && (held.numClasses() != train.numClasses() || !held.inputShape().equals(train.inputShape()))) {
      throw new IllegalArgumentException("validation data must have the training data's classes and shape; training="
          + train.numClasses() + " classes of " + train.inputShape() + ", validation=" + held.numClasses()
          + " classes of " + held.inputShape());
    }
    return new Loaded(train, held, trainImages, heldImages);
  }

  private SparkDataset reported(LoadReport report, DataSource source) {
    if (report.skippedRows() > 0) {
      out.println("skipped " + report.skippedRows() + " unusable rows of " + source
          + " (null, non-finite or of another length)");
    }
    if (report.images() != null) {
      out.println(TextSummary.imageLine(source.toString(), report.images(), report.dataset().inputShape()));
    }
    return report.dataset();
  }
}
