package dev.magnet.spark.cli;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.experiment.ErrorCurve;
import dev.magnet.spark.experiment.Experiment;
import dev.magnet.spark.experiment.ExperimentPlan;
import dev.magnet.spark.experiment.ExperimentResults;
import dev.magnet.spark.experiment.ExperimentSetup;
import dev.magnet.spark.experiment.ExperimentTable;
import dev.magnet.spark.experiment.RunResult;
import dev.magnet.spark.experiment.RunSpec;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.report.IterationsReport;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code magnet experiment <name>}: trains Magnet and the baselines (or Magnet's ablation) with the
 * same network, data, epochs and seed, evaluates every model, and writes one table (issue 7).
 *
 * <p>Like the demo, it runs the real {@code train} and {@code evaluate} commands in one Spark
 * session and prints each before it runs, so that any run can be repeated by hand; the commands
 * also go to {@code <output>/}{@value #SCRIPT}. Each run's model (with metrics.json, whose
 * per-epoch held-out metrics give the iterations) goes to {@code <output>/<run>}, and the
 * experiment's table to {@value #TABLE} (also printed) and {@value ExperimentResults#FILE_NAME};
 * the iterations experiment adds a plot in {@code <output>/}{@value #REPORT_DIR}. {@code all} runs the
 * four experiments into {@code <output>/<experiment>} and concatenates their tables.
 *
 * <p>Every option is checked, and every run's train command parsed, before the first training.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
    description = {"Train Magnet, softmax and triplet (or Magnet's ablation) with the same network, data, epochs and"
        + " seed, evaluate them and write one table.",
        "classification: fine labels. hierarchy: trained on the coarse labels, scored on the fine ones."
            + " iterations: held-out 1-NN error against iterations, Magnet and triplet, with a plot."
            + " ablation: Magnet on the coarse task, K, refresh interval and alpha one at a time. all: the four."})
public final class ExperimentCommand implements Callable<Integer> {
  /** The Spark application name of a session this command starts. */
  static final String APP_NAME = "magnet experiment";
  /** Where {@code --output} defaults to, followed by the experiment's name. */
  static final String OUTPUT_ROOT = "out/experiments";
  static final String TABLE = "table.md";
  static final String SCRIPT = "commands.sh";
  static final String REPORT_DIR = "report";
  /** Five refreshes per epoch of the full Fashion-MNIST training set (1,250 batches). */
  static final String DEFAULT_ABLATION_REFRESH = "250";
  /** Train options every run gets from the experiment itself: --train-args may not set them. */
  static final List<String> SET_BY_EXPERIMENT = List.of("--data", "--validation", "--coarse", "--loss", "--network",
      "--epochs", "--seed", "--limit", "--output", "--overwrite", "--metrics", "--publish-to", "--run-id",
      "--no-worse-than", "--compare-metric", "--min-metric", "--init-from", "--checkpoint-dir", "--resume");
  /** What the ablation varies (and adjusts, for K=1): --train-args may not set them there. */
  static final List<String> SET_BY_ABLATION = List.of("-K", "--clusters-per-class", "-M", "--clusters-per-batch",
      "-D", "--examples-per-cluster", "--alpha", "--refresh-every");

  /** The experiments the command line names. */
  enum Selection {
    CLASSIFICATION, HIERARCHY, ITERATIONS, ABLATION, ALL;

    List<Experiment> experiments() {
      return this == ALL ? List.of(Experiment.values()) : List.of(Experiment.valueOf(name()));
    }
  }

  /** The experiment's spelling. */
  static final class SelectionOption extends EnumOption<Selection> {
    SelectionOption() {
      super(Selection.class);
    }
  }

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "EXPERIMENT", converter = SelectionOption.class,
      completionCandidates = SelectionOption.class, description = "One of: ${COMPLETION-CANDIDATES}.")
  Selection selection;

  @Option(names = "--data", paramLabel = "SOURCE", defaultValue = "fashion-mnist",
      description = "Training data of every run, in the forms of 'train --data' (default: ${DEFAULT-VALUE}).")
  String data;

  @Option(names = "--validation", paramLabel = "SOURCE", defaultValue = "fashion-mnist-test",
      description = "Held-out data: measured after every epoch and the test set of every evaluation; not synthetic"
          + " (default: ${DEFAULT-VALUE}).")
  String validation;

  @Option(names = "--coarse", paramLabel = "fashion-mnist|MAPFILE", defaultValue = "fashion-mnist",
      description = "The fine->coarse map of hierarchy and ablation (default: ${DEFAULT-VALUE}: tops, trouser,"
          + " footwear, bag).")
  String coarse;

  @Option(names = "--network", converter = EnumOption.Network.class, completionCandidates = EnumOption.Network.class,
      paramLabel = "NETWORK", defaultValue = "fmnist-cnn", description = "One of: ${COMPLETION-CANDIDATES}"
          + " (default: ${DEFAULT-VALUE}).")
  Architecture network;

  @Option(names = "--epochs", paramLabel = "N",
      description = "Epochs of every run (default: " + Experiment.DEFAULT_EPOCHS + "; iterations: "
          + Experiment.ITERATIONS_EPOCHS + ").")
  Integer epochs;

  @Option(names = "--limit", paramLabel = "N", description = "Read at most N examples of each data set, as train and"
      + " evaluate do (default: all; iterations: " + Experiment.ITERATIONS_LIMIT + ", 250 batches per epoch).")
  Integer limit;

  @Option(names = "--seed", paramLabel = "SEED", description = "Seed of every run (default: ${DEFAULT-VALUE}).")
  long seed = MagnetParams.DEFAULT_SEED;

  @Option(names = "--target-error", paramLabel = "E",
      description = "The held-out fine 1-NN error whose iterations the table reports: the first epoch boundary at"
          + " or below it (default: " + Experiment.FINE_TARGET_ERROR + "; hierarchy and ablation, trained on coarse"
          + " labels: " + Experiment.COARSE_TARGET_ERROR + ").")
  Double targetError;

  @Option(names = "--ablation-refresh", paramLabel = "BATCHES", defaultValue = DEFAULT_ABLATION_REFRESH,
      description = "The ablation's alternative to one index refresh per epoch: train --refresh-every BATCHES"
          + " (default: ${DEFAULT-VALUE}).")
  int ablationRefresh;

  @Option(names = "--train-args", paramLabel = "'OPTIONS'",
      description = "More train options for every run, split at spaces (e.g. '--averaging-frequency 10 --no-report');"
          + " repeatable. Not the ones the experiment sets (data, loss, epochs, seed, output, ...).")
  List<String> trainArgs = new ArrayList<>();

  @Option(names = "--output", paramLabel = "DIR", description = "Where everything goes (default: " + OUTPUT_ROOT
      + "/EXPERIMENT).")
  String output;

  @Option(names = "--overwrite", description = "Write into an existing --output (its runs' models are replaced).")
  boolean overwrite;

  @Option(names = "--resume", description = "Continue an interrupted experiment in its --output: a run that its"
      + " results.json records with the same commands, and whose metrics files are there, is taken over with the"
      + " figures and times recorded, not run again.")
  boolean resume;

  /** The output directory. */
  String output() {
    return output != null ? output : OUTPUT_ROOT + "/" + selection.name().toLowerCase(Locale.ROOT);
  }

  /** --train-args as words, checked against what the experiments set themselves. */
  List<String> extraTrainArgs() {
    List<String> words = new ArrayList<>();
    for (String group : trainArgs) {
      Arrays.stream(group.trim().split("\\s+")).filter(w -> !w.isEmpty()).forEach(words::add);
    }
    boolean ablation = selection.experiments().contains(Experiment.ABLATION);
    for (String word : words) {
      for (String option : SET_BY_EXPERIMENT) {
        if (names(word, option)) {
          throw new IllegalArgumentException("--train-args must not set " + option
              + ": the experiment sets it for every run; train-args=" + String.join(" ", words));
        }
      }
      for (String option : ablation ? SET_BY_ABLATION : List.<String>of()) {
        if (names(word, option)) {
          throw new IllegalArgumentException("--train-args must not set " + option + " in the ablation, which varies"
              + " it; train-args=" + String.join(" ", words));
        }
      }
    }
    return words;
  }

  /** Whether a word names the option: {@code --opt}, {@code --opt=v}, or for a short one {@code -Kv}. */
  private static boolean names(String word, String option) {
    return word.equals(option) || word.startsWith(option + "=")
        || (option.length() == 2 && word.startsWith(option) && !word.startsWith("--"));
  }

  /** The setup of one experiment: the options given, else its defaults. */
  ExperimentSetup setup(Experiment experiment, int coarseClasses, List<String> extra) {
    OptionalInt rows = limit != null ? OptionalInt.of(limit) : experiment.defaultLimit();
    String dir = selection == Selection.ALL ? output() + "/" + experiment.spelling() : output();
    return new ExperimentSetup(data, validation, coarse, EnumOption.spelling(network),
        epochs != null ? epochs : experiment.defaultEpochs(), rows, seed,
        targetError != null ? targetError : experiment.defaultTargetError(), ablationRefresh, coarseClasses, extra, dir);
  }

  /** The option checks that need no Spark. */
  private List<String> checkOptions() {
    DataSpec train = DataSpec.parse(data);
    DataSpec held = DataSpec.parse(validation);
    if (held.kind() == DataSpec.Kind.SYNTHETIC) {
      throw new IllegalArgumentException("--validation must not be synthetic: evaluate reads it as a test set of its"
          + " own, and cannot hold it out of --data; write the data as IDX files (as the demo does) or use"
          + " fashion-mnist-test; validation=" + validation);
    }
    DataSpec.rowLimit(limit, train, held);
    List<String> extra = extraTrainArgs();
    for (Experiment experiment : selection.experiments()) {
      setup(experiment, 2, extra); // the record's own checks
    }
    return extra;
  }

  @Override
  public Integer call() {
    List<String> extra = TrainCommand.argument(this::checkOptions);
    PrintWriter out = spec.commandLine().getOut();
    try (SparkOptions.Session session = spark.session(APP_NAME)) {
      Configuration conf = session.spark().sparkContext().hadoopConfiguration();
      String root = output();
      if (TrainCommand.input(() -> HadoopModelDirectory.exists(root, conf)) && !overwrite && !resume) {
        throw new CliException(ExitCodes.BAD_ARGUMENTS, "output " + root + " already exists; pass --overwrite to write"
            + " into it (its runs' models are replaced) or --resume to continue the experiment there");
      }
      boolean needsMap = selection.experiments().stream().anyMatch(Experiment::coarse);
      int coarseClasses = needsMap ? TrainCommand.input(() -> HierarchyOption.load(coarse, conf)).coarseNames().size()
          : 2;
      List<ExperimentPlan> plans = new ArrayList<>();
      for (Experiment experiment : selection.experiments()) {
        ExperimentPlan plan = TrainCommand.argument(() -> ExperimentPlan.of(experiment,
            setup(experiment, coarseClasses, extra)));
        plan.runs().forEach(run -> checkTrainArgs(plan.trainArgs(run)));
        plans.add(plan);
      }
      int trainings = plans.stream().mapToInt(p -> p.runs().size()).sum();
      out.printf(Locale.ROOT, "magnet experiment %s: %d trainings into %s%n", selection.name().toLowerCase(Locale.ROOT),
          trainings, root);
      StringBuilder tables = new StringBuilder();
      for (ExperimentPlan plan : plans) {
        Outcome outcome = run(plan, conf, out);
        tables.append("## ").append(plan.experiment().spelling()).append("\n\n").append(outcome.table()).append('\n');
        if (outcome.status() != ExitCodes.SUCCESS) {
          return outcome.status();
        }
      }
      if (selection == Selection.ALL) {
        write(root + "/" + TABLE, tables.toString(), conf);
        out.println("tables: " + root + "/" + TABLE);
      }
      return ExitCodes.SUCCESS;
    }
  }

  /** Parses a run's train command as train would, so that a bad --train-args fails before any training. */
  private static void checkTrainArgs(List<String> args) {
    CommandLine parser = new CommandLine(new TrainCommand());
    parser.setOverwrittenOptionsAllowed(true);
    try {
      parser.parseArgs(args.subList(1, args.size()).toArray(String[]::new));
      TrainCommand train = parser.getCommand();
      train.params();
      train.trainingOptions();
    } catch (CommandLine.ParameterException | IllegalArgumentException e) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS, "a run's train options are invalid: " + e.getMessage()
          + "; command: " + ExperimentResults.commandLine(args), e);
    }
  }

  /** An experiment's end: its exit status and its table as written. */
  private record Outcome(int status, String table) {}

  /** Runs one experiment's trainings and evaluations, then writes its table, results and report. */
  private Outcome run(ExperimentPlan plan, Configuration conf, PrintWriter out) {
    PrintWriter err = spec.commandLine().getErr();
    String name = plan.experiment().spelling();
    out.printf(Locale.ROOT, "%nexperiment %s: %d runs, %d epoch(s) each, seed %d, into %s%n", name,
        plan.runs().size(), plan.setup().epochs(), plan.setup().seed(), plan.setup().output());
    write(plan.setup().output() + "/" + SCRIPT, ExperimentResults.script(plan), conf);
    Instant started = Instant.now();
    Map<String, ExperimentResults.Recorded> earlier = resume ? recorded(plan, conf) : Map.of();
    List<RunResult> results = new ArrayList<>();
    String failure = null;
    int status = ExitCodes.SUCCESS;
    for (RunSpec run : plan.runs()) {
      RunResult done = earlier.containsKey(run.name()) ? takeOver(plan, run, earlier.get(run.name()), conf) : null;
      if (done != null) {
        out.printf(Locale.ROOT, "%n= %s: taken over from %s (its commands are this run's)%n", run.name(),
            resultsPath(plan));
        results.add(done);
        continue;
      }
      Instant runStarted = Instant.now();
      List<String> train = plan.trainArgs(run);
      status = execute(train, out, err);
      double trainSeconds = Duration.between(runStarted, Instant.now()).toMillis() / 1000.0;
      List<String> evaluate = plan.evaluateArgs(run);
      double evaluateSeconds = 0;
      if (status == ExitCodes.SUCCESS && !evaluate.isEmpty()) {
        Instant evaluateStarted = Instant.now();
        status = execute(evaluate, out, err);
        evaluateSeconds = Duration.between(evaluateStarted, Instant.now()).toMillis() / 1000.0;
      }
      if (status != ExitCodes.SUCCESS) {
        failure = "run " + run.name() + " failed with exit status " + status;
        err.println(spec.qualifiedName() + ": " + failure + "; the runs before it are in the table");
        break;
      }
      MetricsJson.Document metrics = TrainCommand.input(() -> MetricsJson.read(plan.metricsPath(run), conf));
      Map<String, Double> evaluation = evaluate.isEmpty() ? Map.of()
          : TrainCommand.input(() -> MetricsJson.read(plan.evaluationPath(run), conf)).summary();
      results.add(new RunResult(run, train, evaluate, runStarted, Instant.now(), trainSeconds, evaluateSeconds,
          metrics.epochs(), new LinkedHashMap<>(evaluation)));
      // After every run, so that an interrupted experiment shows (and --resume keeps) what it did.
      write(resultsPath(plan), ExperimentResults.json(plan, results, started, Instant.now(), false, null), conf);
    }
    ExperimentTable table = ExperimentTable.of(plan, results);
    String markdown = table.markdown();
    write(plan.setup().output() + "/" + TABLE, markdown, conf);
    write(resultsPath(plan), ExperimentResults.json(plan, results, started, Instant.now(),
        results.size() == plan.runs().size(), failure), conf);
    out.println();
    out.println("experiment " + name + (failure == null ? "" : " (incomplete: " + failure + ")") + ":");
    out.println();
    out.print(markdown);
    out.println("table: " + plan.setup().output() + "/" + TABLE + "  results: " + plan.setup().output() + "/"
        + ExperimentResults.FILE_NAME + "  commands: " + plan.setup().output() + "/" + SCRIPT);
    if (plan.experiment() == Experiment.ITERATIONS && !results.isEmpty()) {
      String page = report(plan, table, results, conf);
      out.println("report: " + page);
    }
    return new Outcome(status, markdown);
  }

  private static String resultsPath(ExperimentPlan plan) {
    return plan.setup().output() + "/" + ExperimentResults.FILE_NAME;
  }

  /** The runs an earlier invocation recorded in the experiment's results.json; none when there is none. */
  private static Map<String, ExperimentResults.Recorded> recorded(ExperimentPlan plan, Configuration conf) {
    String path = resultsPath(plan);
    return TrainCommand.input(() -> {
      Path file = new Path(path);
      FileSystem fs = file.getFileSystem(conf);
      if (!fs.exists(file)) {
        return Map.of();
      }
      try (var in = fs.open(file)) {
        return ExperimentResults.recorded(new String(in.readAllBytes(), StandardCharsets.UTF_8), path);
      }
    });
  }

  /**
   * A recorded run, when its commands are those planned now and its metrics files are there (read
   * again: they hold the figures); null otherwise, and it runs again.
   */
  private static RunResult takeOver(ExperimentPlan plan, RunSpec run, ExperimentResults.Recorded recorded,
      Configuration conf) {
    List<String> train = plan.trainArgs(run);
    List<String> evaluate = plan.evaluateArgs(run);
    boolean same = recorded.trainCommand().equals(ExperimentResults.commandLine(train))
        && recorded.evaluateCommand().equals(evaluate.isEmpty() ? "" : ExperimentResults.commandLine(evaluate));
    if (!same || !TrainCommand.input(() -> HadoopModelDirectory.exists(plan.metricsPath(run), conf)
        && (evaluate.isEmpty() || HadoopModelDirectory.exists(plan.evaluationPath(run), conf)))) {
      return null;
    }
    MetricsJson.Document metrics = TrainCommand.input(() -> MetricsJson.read(plan.metricsPath(run), conf));
    Map<String, Double> evaluation = evaluate.isEmpty() ? Map.of()
        : TrainCommand.input(() -> MetricsJson.read(plan.evaluationPath(run), conf)).summary();
    return new RunResult(run, train, evaluate, recorded.started(), recorded.finished(), recorded.trainSeconds(),
        recorded.evaluateSeconds(), metrics.epochs(), new LinkedHashMap<>(evaluation));
  }

  /** Prints a command as the user would type it and runs it in this Spark session. */
  private static int execute(List<String> args, PrintWriter out, PrintWriter err) {
    out.println();
    out.println("$ " + ExperimentResults.commandLine(args));
    out.flush();
    return MagnetCli.commandLine(out, err).execute(args.toArray(String[]::new));
  }

  /** The iterations plot with the target and the lowest error every loss reaches, and the table. */
  private static String report(ExperimentPlan plan, ExperimentTable table, List<RunResult> results, Configuration conf) {
    List<IterationsReport.Series> series = new ArrayList<>();
    for (RunResult r : results) {
      ErrorCurve curve = r.curve(plan.experiment());
      series.add(new IterationsReport.Series(r.run().label(),
          curve.points().stream().map(ErrorCurve.Point::iterations).toList(),
          curve.points().stream().map(ErrorCurve.Point::error).toList()));
    }
    Map<String, Double> levels = new LinkedHashMap<>();
    levels.put("target " + plan.setup().targetError(), plan.setup().targetError());
    table.commonError().ifPresent(e -> levels.put(String.format(Locale.ROOT, "lowest both reach %.4f", e), e));
    String path = plan.setup().output() + "/" + REPORT_DIR;
    return TrainCommand.input(() -> IterationsReport.write("Magnet experiment: held-out error against iterations",
        series, levels, table.notes(), table.header(), table.rows(), path, conf));
  }

  /** Writes a small text file on any Hadoop file system, replacing it. */
  private static void write(String path, String text, Configuration conf) {
    TrainCommand.input(() -> {
      Path file = new Path(path);
      FileSystem fs = file.getFileSystem(conf);
      try (OutputStream stream = fs.create(file, true)) {
        stream.write(text.getBytes(StandardCharsets.UTF_8));
      }
      return file;
    });
  }
}
