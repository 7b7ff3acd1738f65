package dev.magnet.spark.train;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.Hierarchy;
import dev.magnet.spark.data.LoadReport;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.SparkDatasets;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.metrics.MetricGates;
import dev.magnet.spark.metrics.PeakMemory;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.report.TextSummary;
import dev.magnet.spark.report.TrainingReport;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code train} job: loads the data (relabelled to coarse classes when asked), continues from
 * a model when asked, trains with {@link SparkMagnetTrainer}, saves the model directory atomically,
 * writes {@code metrics.json} (with the job's memory peaks and {@code train_examples}) and the HTML
 * report, prints a summary table, and either checks the metric gates or publishes the model
 * ({@link Publishing}).
 *
 * <p>Failures are {@link JobException}s with the exit status of their kind: bad arguments (2),
 * unreadable data (3), training or saving failed (4), a gate not met (5, the model is saved).
 */
public final class TrainJob {
  private final SparkSession session;
  private final PrintWriter out;
  private final PrintWriter err;

  /**
   * @param out where the progress lines and the summary go
   * @param err where warnings go
   */
  public TrainJob(SparkSession session, PrintWriter out, PrintWriter err) {
    this.session = session;
    this.out = out;
    this.err = err;
  }

  /** Runs one request; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run(TrainRequest request) {
    JobException.argument(request::check);
    MetricGates gates = request.gates();
    int rows = DataSource.rowLimit(request.limit(), request.data(), request.validation());
    MagnetParams params = request.params();
    Configuration conf = session.sparkContext().hadoopConfiguration();
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
    String modelDir = publishing == null ? request.output() : publishing.stagingPath();
    TrainingOptions options = publishing == null ? request.options() : publishing.trainingOptions();
    Loaded sets = JobException.input(() -> load(request, rows, conf));
    WarmStart warm = request.initFrom() == null ? null : warmStart(request, sets.train(), conf);
    ModelArtifact pretrained = request.pretrained() == null ? null : pretrained(request, conf);
    NetworkSpec network = warm != null ? warm.model().networkSpec()
        : pretrained != null ? JobException.argument(() -> pretrainedSpec(pretrained, request, sets.train()))
        : JobException.argument(() -> request.network().resolve(sets.train().inputShape(), params.seed()));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
    SparkMagnetTrainer.Outcome outcome;
    try {
      SparkMagnetTrainer trainer = new SparkMagnetTrainer(jsc, params, network, options);
      if (pretrained != null) {
        trainer = trainer.startingFrom(pretrained.network());
      }
      outcome = (warm == null ? trainer : trainer.initFrom(warm)).fit(sets.train(), sets.validation(),
          epoch -> out.println(TextSummary.epochLine(epoch)));
    } catch (RuntimeException e) {
      throw new JobException(ExitCodes.TRAINING_FAILED, "training failed: " + JobException.describe(e), e);
    }
    Map<String, Double> finalMetrics = outcome.epochs().isEmpty() ? Map.of()
        : outcome.epochs().get(outcome.epochs().size() - 1).validation();
    try {
      HadoopModelDirectory.save(outcome.model(), modelDir, conf, request.overwrite());
      MetricsJson.write(request.metricsPath(modelDir), conf, outcome.epochs(), summary(outcome, finalMetrics),
          PeakMemory.measure(session.sparkContext()));
    } catch (IOException e) {
      throw new JobException(ExitCodes.TRAINING_FAILED, "cannot save the results: " + JobException.describe(e), e);
    }
    String report = request.report() ? writeReport(outcome, finalMetrics, sets, params, conf, modelDir) : null;
    out.print(TextSummary.table(outcome.epochs()));
    if (publishing != null) {
      return publishing.publish(modelDir, finalMetrics, out);
    }
    out.println("model: " + request.output() + "  metrics: " + request.metricsPath(request.output()));
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
          sets.validation() != null ? sets.validation() : sets.train(), sets.validation() != null, params, modelDir,
          conf);
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
  private WarmStart warmStart(TrainRequest request, SparkDataset train, Configuration conf) {
    String resolved = JobException.input(() -> PublishDirectory.resolve(request.initFrom(), conf));
    ModelArtifact base = JobException.input(() -> HadoopModelDirectory.load(resolved, conf));
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

  private static Map<String, Double> summary(SparkMagnetTrainer.Outcome outcome, Map<String, Double> finalMetrics) {
    Map<String, Double> summary = new LinkedHashMap<>(finalMetrics);
    summary.put("epochs", (double) outcome.epochs().size());
    summary.put("first_epoch_run", (double) outcome.firstEpochRun());
    summary.put("total_seconds", outcome.epochs().stream().mapToDouble(SparkEpochMetrics::totalSeconds).sum());
    summary.put("train_examples", (double) outcome.model().provenance().trainingExamples());
    return summary;
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

  /** The training set and the validation set (or null). */
  private record Loaded(SparkDataset train, SparkDataset validation) {}

  /** The data sets, relabelled when a coarse map is given. */
  private Loaded load(TrainRequest request, int rows, Configuration conf) throws IOException {
    DataSource data = request.data();
    DataSource validation = request.validation();
    long dataSeed = request.params().seed();
    SparkDataset train;
    SparkDataset held = null;
    if (validation != null && validation.kind() == DataSource.Kind.SYNTHETIC) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
      DataSource.Split split = DataSource.heldOut(data, validation, dataSeed);
      train = SparkDatasets.synthetic(jsc, DataSource.first(split.train(), rows));
      held = SparkDatasets.synthetic(jsc, DataSource.first(split.validation(), rows));
    } else {
      train = reported(data.load(session, rows, dataSeed, null), data);
      if (validation != null) {
        held = reported(validation.load(session, rows, dataSeed, train.labelNames()), validation);
      }
    }
    if (request.coarse() != null) {
      Hierarchy hierarchy = Hierarchy.load(request.coarse(), conf);
      train = SparkDatasets.withCoarseLabels(train, hierarchy.map(), hierarchy.coarseNames());
      if (held != null) {
        held = SparkDatasets.withCoarseLabels(held, hierarchy.map(), hierarchy.coarseNames());
      }
    }
    if (held != null && (held.numClasses() != train.numClasses() || !held.inputShape().equals(train.inputShape()))) {
      throw new IllegalArgumentException("validation data must have the training data's classes and shape; training="
          + train.numClasses() + " classes of " + train.inputShape() + ", validation=" + held.numClasses()
          + " classes of " + held.inputShape());
    }
    return new Loaded(train, held);
  }

  private SparkDataset reported(LoadReport report, DataSource source) {
    if (report.skippedRows() > 0) {
      out.println("skipped " + report.skippedRows() + " unusable rows of " + source
          + " (null, non-finite or of another length)");
    }
    return report.dataset();
  }
}
