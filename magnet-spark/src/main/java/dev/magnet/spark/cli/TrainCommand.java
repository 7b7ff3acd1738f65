package dev.magnet.spark.cli;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.train.LossKind;
import dev.magnet.core.train.MagnetParams;
import dev.magnet.spark.bench.PeakMemory;
import dev.magnet.spark.data.LoadReport;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.SparkDatasets;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.report.EmbeddingSample;
import dev.magnet.spark.report.HtmlReport;
import dev.magnet.spark.report.ReportInput;
import dev.magnet.spark.train.SparkEpochMetrics;
import dev.magnet.spark.train.SparkMagnetTrainer;
import dev.magnet.spark.train.TrainingOptions;
import dev.magnet.spark.train.WarmStart;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code magnet train}: loads the data, trains with {@link SparkMagnetTrainer}, saves the model
 * directory atomically, writes {@code metrics.json} (with the job's memory peaks, {@link PeakMemory},
 * and the number of training examples, {@code train_examples}) and the HTML report ({@code <output>/report},
 * unless {@code --no-report}) and prints a summary table.
 *
 * <p>Hyper-parameters left out keep the defaults of {@link MagnetParams}, {@link NetworkSpec} and
 * {@link TrainingOptions}, stated there once. {@link #params()}, {@link #networkSpec(InputShape)}
 * and {@link #trainingOptions()} map the parsed options onto them without Spark. An existing
 * {@code --output} without {@code --overwrite} exits with {@link ExitCodes#BAD_ARGUMENTS} before
 * any data is read.
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
    description = "Train a Magnet (or baseline) embedding on Spark and save the model directory.")
public final class TrainCommand implements Callable<Integer> {
  /** The Spark application name of a session this command starts. */
  static final String APP_NAME = "magnet train";
  /** The HTML report's directory inside {@code --output}. */
  static final String REPORT_DIR = "report";
  /** k-NN accuracy: computed for every loss (the cluster rule only for Magnet). */
  static final String DEFAULT_COMPARE_METRIC = "knn1_accuracy";

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @Option(names = "--data", required = true, converter = DataSpec.Converter.class, paramLabel = "SOURCE",
      description = "Training data: fashion-mnist | idx:<imagesPath>,<labelsPath>"
          + " | synthetic[:classes=5,sub=3,per=200,size=28|dim=16,seed=N] | parquet:<path>"
          + " (columns features, label).")
  DataSpec data;

  @Option(names = "--validation", converter = DataSpec.Converter.class, paramLabel = "SOURCE",
      description = "Held-out data, evaluated after every epoch: the forms of --data, or fashion-mnist-test;"
          + " synthetic[:per=N] is held out of the same generation as synthetic --data.")
  DataSpec validation;

  @Option(names = "--limit", paramLabel = "N",
      description = "Read at most N examples of each data set (not for parquet).")
  Integer limit;

  @Option(names = "--coarse", paramLabel = "fashion-mnist|MAPFILE",
      description = "Train on coarse labels: a fine->coarse map (the fine labels are kept for evaluation).")
  String coarse;

  @Option(names = "--loss", converter = EnumOption.Loss.class, completionCandidates = EnumOption.Loss.class,
      paramLabel = "LOSS", description = "One of: ${COMPLETION-CANDIDATES}; default: magnet.")
  LossKind loss;

  @Option(names = "--network", converter = EnumOption.Network.class, completionCandidates = EnumOption.Network.class,
      paramLabel = "NETWORK",
      description = "One of: ${COMPLETION-CANDIDATES}; default: fmnist-cnn for images, mlp for vectors.")
  Architecture network;

  @Option(names = "--epochs", paramLabel = "N", description = "Default: " + MagnetParams.DEFAULT_EPOCHS + ".")
  Integer epochs;

  @Option(names = {"-K", "--clusters-per-class"}, paramLabel = "K",
      description = "K-means clusters per class; default: " + MagnetParams.DEFAULT_K + ".")
  Integer clustersPerClass;

  @Option(names = {"-M", "--clusters-per-batch"}, paramLabel = "M",
      description = "Clusters per neighbourhood (mini-batch); default: " + MagnetParams.DEFAULT_M + ".")
  Integer clustersPerBatch;

  @Option(names = {"-D", "--examples-per-cluster"}, paramLabel = "D",
      description = "Examples drawn per cluster; default: " + MagnetParams.DEFAULT_D + ".")
  Integer examplesPerCluster;

  @Option(names = "--alpha", paramLabel = "α", description = "Magnet margin; default: " + MagnetParams.DEFAULT_ALPHA + ".")
  Double alpha;

  @Option(names = {"-L", "--nearest-clusters"}, paramLabel = "L",
      description = "Clusters voting in the classification rule; default: " + MagnetParams.DEFAULT_L + ".")
  Integer nearestClusters;

  @Option(names = "--refresh-every", paramLabel = "BATCHES",
      description = "Refresh the cluster index every this many batches; 0 = once per epoch (default).")
  Integer refreshEvery;

  @Option(names = "--embedding-dim", paramLabel = "E",
      description = "Embedding width; default: " + NetworkSpec.DEFAULT_EMBEDDING_DIM + ".")
  Integer embeddingDim;

  @Option(names = "--learning-rate", paramLabel = "RATE",
      description = "Adam's learning rate; default: " + NetworkSpec.DEFAULT_LEARNING_RATE + ".")
  Double learningRate;

  @Option(names = "--seed", paramLabel = "SEED",
      description = "Seed of sampling, K-means, weights and synthetic data; default: " + MagnetParams.DEFAULT_SEED
          + " (weights: " + NetworkSpec.DEFAULT_SEED + ").")
  Long seed;

  @Option(names = "--averaging-frequency", paramLabel = "BATCHES",
      description = "Batches each worker fits between parameter averagings; default: "
          + TrainingOptions.DEFAULT_AVERAGING_FREQUENCY + ".")
  Integer averagingFrequency;

  @Option(names = "--workers", paramLabel = "N", description = "Data-parallel workers; 0 = Spark's default parallelism (default).")
  Integer workers;

  @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Write a checkpoint after every epoch here.")
  String checkpointDir;

  @Option(names = "--resume", description = "Continue from the last checkpoint in --checkpoint-dir.")
  boolean resume;

  @Option(names = "--init-from", paramLabel = "MODEL|PUBLISHDIR",
      description = "Continue from a model directory, or from the latest version of a publish directory: its network"
          + " (weights, optimiser state, architecture) and cluster index. K-means warm-starts for known classes; new"
          + " classes get fresh clusters; classes the data no longer has are dropped with a warning; a renamed class"
          + " is an error.")
  String initFrom;

  @Option(names = "--output", paramLabel = "DIR", description = "The model directory to write (or --publish-to).")
  String output;

  @Option(names = "--publish-to", paramLabel = "DIR",
      description = "Instead of --output: publish the model (with metrics.json and the report) as the next version"
          + " DIR/vN and move DIR/LATEST to it when the gates pass; exit status " + ExitCodes.METRIC_GATE_FAILED
          + " and LATEST untouched when they do not.")
  String publishTo;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "The scheduled run's id (e.g. the date), with --publish-to: rerunning an id that already"
          + " published does nothing; one that died resumes from its checkpoints (default: DIR/.runs/ID)."
          + " Default: a fresh id.")
  String runId;

  @Option(names = "--no-worse-than", paramLabel = "latest[:TOLERANCE]", converter = NoWorseThan.Converter.class,
      description = "With --publish-to: promote only when --compare-metric is at least the latest version's minus"
          + " TOLERANCE (default 0), measured on the same --validation.")
  NoWorseThan noWorseThan;

  @Option(names = "--compare-metric", paramLabel = "NAME",
      description = "The held-out metric --no-worse-than compares; default: " + DEFAULT_COMPARE_METRIC + ".")
  String compareMetric = DEFAULT_COMPARE_METRIC;

  @Option(names = "--overwrite", description = "Replace an existing --output directory.")
  boolean overwrite;

  @Option(names = "--metrics", paramLabel = "PATH", description = "Where to write metrics.json; default: <output>/metrics.json.")
  String metrics;

  @Option(names = "--min-metric", paramLabel = "NAME=VALUE",
      description = "Fail with exit status " + ExitCodes.METRIC_GATE_FAILED
          + " unless the final validation metric NAME is at least VALUE; repeatable.")
  Map<String, Double> minMetrics = new LinkedHashMap<>();

  @Option(names = "--no-report", description = "Do not write the HTML report (plots of the run and of the embedding"
      + " space) to <output>/" + REPORT_DIR + "; a report that cannot be written is only a warning.")
  boolean noReport;

  /** The hyper-parameters: {@link MagnetParams#defaults()} with the options given. */
  public MagnetParams params() {
    MagnetParams defaults = MagnetParams.defaults();
    MagnetParams p = defaults.withClusters(or(clustersPerClass, defaults.clustersPerClass()),
        or(clustersPerBatch, defaults.clustersPerBatch()), or(examplesPerCluster, defaults.examplesPerCluster()));
    if (loss != null) {
      p = p.withLoss(loss);
    }
    if (alpha != null) {
      p = p.withAlpha(alpha);
    }
    if (nearestClusters != null) {
      p = p.withNearestClusters(nearestClusters);
    }
    if (refreshEvery != null) {
      p = p.withRefreshEveryBatches(refreshEvery);
    }
    if (epochs != null) {
      p = p.withEpochs(epochs);
    }
    if (seed != null) {
      p = p.withSeed(seed);
    }
    return p;
  }

  private static int or(Integer given, int otherwise) {
    return given != null ? given : otherwise;
  }

  /** The network for inputs of {@code input}'s shape: {@link NetworkSpec#of} with the options given. */
  public NetworkSpec networkSpec(InputShape input) {
    Architecture architecture = network != null ? network
        : input.kind() == InputShape.Kind.IMAGE ? Architecture.FMNIST_CNN : Architecture.MLP;
    NetworkSpec s = NetworkSpec.of(architecture, input);
    if (embeddingDim != null) {
      s = s.withEmbeddingDim(embeddingDim);
    }
    if (learningRate != null) {
      s = s.withLearningRate(learningRate);
    }
    if (seed != null) {
      s = s.withSeed(seed);
    }
    return s;
  }

  /** How the job runs: {@link TrainingOptions#defaults()} with the options given. */
  public TrainingOptions trainingOptions() {
    TrainingOptions o = TrainingOptions.defaults();
    if (averagingFrequency != null) {
      o = o.withAveragingFrequency(averagingFrequency);
    }
    if (workers != null) {
      o = o.withWorkers(workers);
    }
    if (checkpointDir != null || resume) {
      o = o.withCheckpoints(checkpointDir, resume);
    }
    return o;
  }

  /** Where metrics.json goes. */
  public String metricsPath() {
    return metricsPath(output);
  }

  private String metricsPath(String modelDir) {
    return metrics != null ? metrics : new Path(modelDir, MetricsJson.FILE_NAME).toString();
  }

  /**
   * The held-out data as this run states it, recorded with a published version so that
   * {@code --no-worse-than} compares like with like: the validation source, and for synthetic data
   * the generation it is held out of; the row limit and coarse labels when given.
   */
  String validationIdentity() {
    if (validation == null) {
      return null;
    }
    StringBuilder id = new StringBuilder(validation.toString());
    if (validation.kind() == DataSpec.Kind.SYNTHETIC) {
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

  /** Checks the output and publishing options together. */
  private void checkTarget() {
    if ((output == null) == (publishTo == null)) {
      throw new IllegalArgumentException("pass exactly one of --output and --publish-to; output=" + output
          + ", publish-to=" + publishTo);
    }
    if (publishTo == null && (runId != null || noWorseThan != null)) {
      throw new IllegalArgumentException("--run-id and --no-worse-than need --publish-to");
    }
    if (noWorseThan != null && validation == null) {
      throw new IllegalArgumentException("--no-worse-than compares held-out metrics; pass --validation");
    }
    if (runId != null) {
      PublishDirectory.checkRunId(runId);
    }
    if (initFrom != null && (network != null || embeddingDim != null || learningRate != null)) {
      throw new IllegalArgumentException("--network, --embedding-dim and --learning-rate come from the --init-from"
          + " model; leave them out");
    }
    MetricGates.checkName("--compare-metric", compareMetric);
  }

  /** The training options of a publishing run: its checkpoints under the run id, resumed when present. */
  private TrainingOptions trainingOptions(TrainingOptions o, PublishDirectory.Attempt attempt, boolean explicitRunId) {
    if (attempt == null || !explicitRunId) {
      return o;
    }
    return o.withCheckpoints(checkpointDir != null ? checkpointDir : attempt.checkpointPath(), true);
  }

  /** The examples each data set is read up to. */
  int rowLimit() {
    return DataSpec.rowLimit(limit, data, validation);
  }

  @Override
  public Integer call() {
    MagnetParams params = argument(this::params);
    TrainingOptions options = argument(this::trainingOptions);
    MetricGates gates = argument(() -> new MetricGates(minMetrics));
    int rows = argument(this::rowLimit);
    if (!gates.isEmpty() && validation == null) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS, "--min-metric gates the final validation metrics; pass --validation");
    }
    argument(() -> {
      checkTarget();
      return this;
    });
    String id = runId != null ? runId
        : "run-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(java.time.ZoneOffset.UTC)
            .format(java.time.Instant.now()) + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    if (validation != null && validation.kind() == DataSpec.Kind.SYNTHETIC) {
      argument(() -> {
        DataSpec.checkHeldOut(data, validation);
        return validation;
      });
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (SparkOptions.Session session = spark.session(APP_NAME)) {
      Configuration conf = session.spark().sparkContext().hadoopConfiguration();
      PublishDirectory.Attempt publish = null;
      if (publishTo == null) {
        checkOutput(conf);
      } else {
        publish = beginPublishing(conf, id, gates, err);
        if (publish.finished().isPresent()) {
          return alreadyPublished(publish.finished().get(), out);
        }
      }
      String modelDir = publish == null ? output : publish.stagingPath();
      PublishDirectory.Attempt attempt = publish;
      TrainingOptions runOptions = argument(() -> trainingOptions(options, attempt, runId != null));
      Loaded sets = input(() -> load(session.spark(), rows, params.seed(), conf, out));
      WarmStart warm = initFrom == null ? null : warmStart(sets.train(), params, conf, out, err);
      NetworkSpec network = warm != null ? warm.model().networkSpec()
          : argument(() -> networkSpec(sets.train().inputShape()));
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.spark().sparkContext());
      SparkMagnetTrainer.Outcome outcome;
      try {
        SparkMagnetTrainer trainer = new SparkMagnetTrainer(jsc, params, network, runOptions);
        outcome = (warm == null ? trainer : trainer.initFrom(warm)).fit(sets.train(), sets.validation(),
            epoch -> out.println(Summary.epochLine(epoch)));
      } catch (RuntimeException e) {
        throw new CliException(ExitCodes.TRAINING_FAILED, "training failed: " + CliException.describe(e), e);
      }
      Map<String, Double> finalMetrics = outcome.epochs().isEmpty() ? Map.of()
          : outcome.epochs().get(outcome.epochs().size() - 1).validation();
      try {
        HadoopModelDirectory.save(outcome.model(), modelDir, conf, overwrite);
        Map<String, Double> summary = summary(outcome, finalMetrics);
        summary.put("train_examples", (double) outcome.model().provenance().trainingExamples());
        MetricsJson.write(metricsPath(modelDir), conf, outcome.epochs(), summary,
            PeakMemory.measure(session.spark().sparkContext()));
      } catch (IOException e) {
        throw new CliException(ExitCodes.TRAINING_FAILED, "cannot save the results: " + CliException.describe(e), e);
      }
      String report = noReport ? null : writeReport(outcome, finalMetrics, sets, params, conf, modelDir);
      out.print(Summary.table(outcome.epochs()));
      if (publish != null) {
        return published(publish, modelDir, id, finalMetrics, out);
      }
      out.println("model: " + output + "  metrics: " + metricsPath());
      if (report != null) {
        out.println("report: " + report);
      }
      List<String> failures = gates.failures(finalMetrics);
      if (!failures.isEmpty()) {
        throw new CliException(ExitCodes.METRIC_GATE_FAILED, "metric gate failed: " + String.join("; ", failures));
      }
      return ExitCodes.SUCCESS;
    }
  }

  /**
   * The HTML report in {@code <output>/report}, its embeddings sampled from the validation set (else
   * the training set); returns the page's path, or null after a warning on stderr when it cannot be
   * written: the model and metrics are saved by then, and a report is no reason to fail the run.
   */
  private String writeReport(SparkMagnetTrainer.Outcome outcome, Map<String, Double> finalMetrics, Loaded sets,
      MagnetParams params, Configuration conf, String modelDir) {
    try {
      boolean held = sets.validation() != null;
      EmbeddingSample sample = EmbeddingSample.embed(held ? sets.validation() : sets.train(), outcome.model(),
          EmbeddingSample.MAX_POINTS, params.seed(), held ? "the validation set" : "the training set");
      String title = "Magnet training: " + EnumOption.spelling(params.loss()) + " loss, " + outcome.epochs().size()
          + " epochs";
      Path report = new Path(modelDir, REPORT_DIR);
      HtmlReport.write(new ReportInput(title, outcome.epochs(), finalMetrics, outcome.model(), sample),
          report.toString(), conf);
      return new Path(report, HtmlReport.INDEX).toString();
    } catch (IOException | RuntimeException e) {
      spec.commandLine().getErr().println(spec.qualifiedName() + ": warning: report not written: "
          + (e instanceof IOException || e instanceof IllegalArgumentException ? "" : e.getClass().getName() + ": ")
          + CliException.describe(e));
      return null;
    }
  }

  /**
   * Begins publishing to {@code --publish-to}: the gates ({@code --min-metric} and
   * {@code --no-worse-than}) decide at the commit whether {@code LATEST} moves. A store that cannot
   * hold a publish directory, or a latest version {@code --no-worse-than} cannot compare with, is
   * an argument error; unreadable contents an input error.
   */
  private PublishDirectory.Attempt beginPublishing(Configuration conf, String id, MetricGates gates, PrintWriter err) {
    PublishDirectory.Gate gate = (candidate, latest) -> gates.failures(candidate.metrics());
    if (noWorseThan != null) {
      gate = gate.and(PublishDirectory.Gate.noWorseThanLatest(noWorseThan.tolerance()));
    }
    PublishDirectory.Gate finalGate = gate;
    PublishDirectory dir = input(() -> new PublishDirectory(publishTo, conf,
        message -> err.println(spec.qualifiedName() + ": warning: " + message)));
    try {
      return dir.begin(id, validationIdentity(), compareMetric, finalGate);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS, (noWorseThan != null && e.getMessage().startsWith("cannot compare")
          ? "--no-worse-than " : "") + e.getMessage(), e);
    } catch (IOException e) {
      throw new CliException(ExitCodes.BAD_INPUT, CliException.describe(e), e);
    }
  }

  /**
   * Commits the staged version; its gate decides whether {@code LATEST} moves. The publish
   * directory deletes the run's checkpoints once its version is committed.
   */
  private int published(PublishDirectory.Attempt publish, String staged, String id, Map<String, Double> finalMetrics,
      PrintWriter out) {
    PublishDirectory.Published published;
    try {
      published = publish.publish(finalMetrics);
    } catch (IOException e) {
      throw new CliException(ExitCodes.TRAINING_FAILED, "cannot publish to " + publishTo + ": "
          + CliException.describe(e) + " (the trained version is kept in " + staged + ")", e);
    }
    PublishDirectory.Publication p = published.publication();
    out.println("published " + p.name() + " (run " + p.runId() + ") to " + published.path());
    if (!p.promoted()) {
      out.println("latest stays " + (published.latest() == null ? "unset" : published.latest()));
      throw new CliException(ExitCodes.METRIC_GATE_FAILED, "metric gate failed, " + p.name() + " not promoted: "
          + String.join("; ", p.refusals()));
    }
    out.println("latest: " + published.latest());
    return ExitCodes.SUCCESS;
  }

  /** The model of {@code --init-from} (a publish directory's latest version), mapped onto this run's labels. */
  private WarmStart warmStart(SparkDataset train, MagnetParams params, Configuration conf, PrintWriter out,
      PrintWriter err) {
    String resolved = input(() -> PublishDirectory.resolve(initFrom, conf));
    ModelArtifact base = input(() -> HadoopModelDirectory.load(resolved, conf));
    WarmStart warm = argument(() -> WarmStart.of(base, resolved, train.labelNames(), params.loss(), train.inputShape()));
    out.println("initialised from " + resolved + (warm.added().isEmpty() ? "" : "; new classes (fresh clusters): "
        + warm.added()));
    if (!warm.vanished().isEmpty()) {
      err.println(spec.qualifiedName() + ": warning: classes of " + resolved + " that the data no longer has are"
          + " dropped from the index: " + warm.vanished());
    }
    return warm;
  }

  /** A rerun of a run id that already published: nothing to do; its gate's outcome again as the status. */
  private static int alreadyPublished(PublishDirectory.Published done, PrintWriter out) {
    PublishDirectory.Publication p = done.publication();
    out.println("run " + p.runId() + " already published " + p.name() + " in " + new Path(done.path()).getParent()
        + (p.promoted() ? "" : " (not promoted: " + String.join("; ", p.refusals()) + ")")
        + "; latest: " + (done.latest() == null ? "unset" : done.latest()) + "; nothing to do");
    return p.promoted() ? ExitCodes.SUCCESS : ExitCodes.METRIC_GATE_FAILED;
  }

  private static Map<String, Double> summary(SparkMagnetTrainer.Outcome outcome, Map<String, Double> finalMetrics) {
    Map<String, Double> summary = new LinkedHashMap<>(finalMetrics);
    summary.put("epochs", (double) outcome.epochs().size());
    summary.put("first_epoch_run", (double) outcome.firstEpochRun());
    summary.put("total_seconds", outcome.epochs().stream().mapToDouble(SparkEpochMetrics::totalSeconds).sum());
    return summary;
  }

  private void checkOutput(Configuration conf) {
    boolean exists = input(() -> HadoopModelDirectory.exists(output, conf));
    if (exists && !overwrite) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS,
          "output " + output + " already exists; pass --overwrite to replace it");
    }
    if (exists) {
      try {
        StagedOutput.checkReplaceable(output, conf);
      } catch (IOException e) {
        throw new CliException(ExitCodes.BAD_ARGUMENTS, "output " + CliException.describe(e), e);
      }
    }
  }

  /** The training set and the validation set (or null). */
  private record Loaded(SparkDataset train, SparkDataset validation) {}

  /** The data sets, relabelled when --coarse is given. */
  private Loaded load(SparkSession session, int rows, long dataSeed, Configuration conf, PrintWriter out)
      throws IOException {
    SparkDataset train;
    SparkDataset held = null;
    if (validation != null && validation.kind() == DataSpec.Kind.SYNTHETIC) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
      DataSpec.Split split = DataSpec.heldOut(data, validation, dataSeed);
      train = SparkDatasets.synthetic(jsc, DataSpec.first(split.train(), rows));
      held = SparkDatasets.synthetic(jsc, DataSpec.first(split.validation(), rows));
    } else {
      train = reported(data.load(session, rows, dataSeed, null), data, out);
      if (validation != null) {
        held = reported(validation.load(session, rows, dataSeed, train.labelNames()), validation, out);
      }
    }
    if (coarse != null) {
      HierarchyOption hierarchy = HierarchyOption.load(coarse, conf);
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

  private static SparkDataset reported(LoadReport report, DataSpec source, PrintWriter out) {
    if (report.skippedRows() > 0) {
      out.println("skipped " + report.skippedRows() + " unusable rows of " + source
          + " (null, non-finite or of another length)");
    }
    return report.dataset();
  }

  /** Runs an argument check: {@link IllegalArgumentException} becomes exit status 2. */
  static <T> T argument(Supplier<T> check) {
    try {
      return check.get();
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS, e.getMessage(), e);
    }
  }

  /** Something that reads input data. */
  @FunctionalInterface
  interface Reading<T> {
    /** Throws Exception: Spark's AnalysisException is checked, and Scala does not declare it. */
    T read() throws Exception;
  }

  /** Runs a read: I/O errors, corrupt files and schema errors become exit status 3. */
  static <T> T input(Reading<T> reading) {
    try {
      return reading.read();
    } catch (Exception e) {
      throw new CliException(ExitCodes.BAD_INPUT, CliException.describe(e), e);
    }
  }
}
