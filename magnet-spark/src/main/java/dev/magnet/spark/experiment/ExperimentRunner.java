package dev.magnet.spark.experiment;

import dev.magnet.core.model.OutputMarker;
import dev.magnet.spark.data.Hierarchy;
import dev.magnet.spark.evaluate.EvaluateArgs;
import dev.magnet.spark.evaluate.EvaluateRequest;
import dev.magnet.spark.evaluate.EvaluationJob;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.report.IterationsReport;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainJob;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.Arguments;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * Runs experiments: every run's training ({@link TrainJob}) and evaluation ({@link EvaluationJob})
 * in one Spark session, each printed first as the command that does the same by hand, then the
 * experiment's table, results and (for the iterations experiment) its plot. The commands also go
 * to {@code <output>/}{@value #SCRIPT}; each run's model (with metrics.json, whose per-epoch
 * held-out metrics give the iterations) to {@code <output>/<run>}; the table to {@value #TABLE}
 * (also printed) and {@value ExperimentResults#FILE_NAME}, rewritten after every run so that an
 * interrupted experiment shows, and {@code --resume} keeps, what it did.
 */
public final class ExperimentRunner extends SparkJob {
  public static final String TABLE = "table.md";
  public static final String SCRIPT = "commands.sh";
  public static final String REPORT_DIR = "report";


  public ExperimentRunner(SparkSession session, PrintWriter out, PrintWriter err) {
    super(session, out, err);
  }

  /**
   * Runs the experiments of {@code request}; with several experiments their tables also go to
   * {@code <output>/}{@value #TABLE}.
   *
   * @return the exit status: of the first failed run, else success
   */
  public int run(ExperimentRequest request) {
    JobException.argument(request::check);
    String root = request.output();
    boolean exists = JobException.input(() -> HadoopModelDirectory.exists(root, conf));
    if (exists && !request.overwrite() && !request.resume()) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + root + " already exists; pass --overwrite to write"
          + " into it (its runs' models are replaced) or --resume to continue the experiment there");
    }
    boolean needsMap = request.experiments().stream().anyMatch(Experiment::coarse);
    int coarseClasses = needsMap ? JobException.input(() -> Hierarchy.load(request.coarse(), conf)).coarseNames().size()
        : 2;
    List<ExperimentPlan> plans = JobException.argument(() -> request.plans(coarseClasses));
    if (exists && !JobException.input(() -> experimentOutput(root, plans))) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + root + " " + OutputMarker.NOT_MAGNET_OUTPUT);
    }
    JobException.input(() -> {
      Path marker = new Path(root, OutputMarker.FILE_NAME);
      FileSystem fs = marker.getFileSystem(conf);
      if (!fs.exists(marker)) {
        try (OutputStream stream = fs.create(marker, true)) {
          stream.write(OutputMarker.content("magnet experiment"));
        }
      }
      return marker;
    });
    int trainings = plans.stream().mapToInt(p -> p.seededRuns().size()).sum();
    out.printf(Locale.ROOT, "magnet experiment %s: %d trainings into %s%n", request.name(), trainings, root);
    StringBuilder tables = new StringBuilder();
    for (ExperimentPlan plan : plans) {
      Outcome outcome = run(plan, request.resume());
      tables.append("## ").append(plan.experiment().spelling()).append("\n\n").append(outcome.table()).append('\n');
      if (outcome.status() != ExitCodes.SUCCESS) {
        return outcome.status();
      }
    }
    if (plans.size() > 1) {
      write(root + "/" + TABLE, tables.toString());
      out.println("tables: " + root + "/" + TABLE);
    }
    return ExitCodes.SUCCESS;
  }

  /**
   * Whether an existing output may be written into ({@code --overwrite}, {@code --resume}): it
   * holds Magnet's {@link OutputMarker}, or the results of an experiment from before markers, or
   * nothing at all. A directory of other files is refused: the experiment would replace files of
   * its own names there ({@value #TABLE}, {@value #SCRIPT}, results.json, its runs' folders).
   */
  private boolean experimentOutput(String root, List<ExperimentPlan> plans) throws java.io.IOException {
    Path dir = new Path(root);
    FileSystem fs = dir.getFileSystem(conf);
    if (!fs.getFileStatus(dir).isDirectory()) {
      return false;
    }
    if (fs.exists(new Path(dir, OutputMarker.FILE_NAME)) || fs.listStatus(dir).length == 0) {
      return true;
    }
    for (ExperimentPlan plan : plans) {
      if (fs.exists(new Path(resultsPath(plan)))) {
        return true;
      }
    }
    return false;
  }

  /** An experiment's end: its exit status and its table as written. */
  private record Outcome(int status, String table) {}

  /** Runs one experiment's trainings and evaluations, then writes its table, results and report. */
  private Outcome run(ExperimentPlan plan, boolean resume) {
    String name = plan.experiment().spelling();
    String dir = plan.setup().output();
    List<Long> seeds = plan.setup().seedList();
    out.printf(Locale.ROOT, "%nexperiment %s: %d configurations x %d seed(s) (%s), %d epoch(s) each, into %s%n", name,
        plan.runs().size(), seeds.size(), seeds.size() == 1 ? seeds.get(0) : seeds.get(0) + ".." + seeds.get(seeds.size()
        - 1), plan.setup().epochs(), dir);
    write(dir + "/" + SCRIPT, ExperimentResults.script(plan));
    if (plan.experiment() == Experiment.PRETRAINED) {
      prepare(plan.setup().pretrainingData(), plan.setup(), resume);
    }
    Instant started = Instant.now();
    Map<String, ExperimentResults.Recorded> earlier = resume ? recorded(plan) : Map.of();
    List<RunResult> results = new ArrayList<>();
    String failure = null;
    int status = ExitCodes.SUCCESS;
    List<RunSpec> runs = plan.seededRuns();
    for (RunSpec run : runs) {
      String id = ExperimentPlan.runId(run);
      RunResult done = earlier.containsKey(id) ? takeOver(plan, run, earlier.get(id)) : null;
      if (done != null) {
        out.printf(Locale.ROOT, "%n= %s: taken over from %s (its commands are this run's)%n", id,
            resultsPath(plan));
        results.add(done);
        continue;
      }
      Instant runStarted = Instant.now();
      TrainRequest train = plan.trainRequest(run);
      status = announce(train.toArgs(), () -> new TrainJob(session, out, err).run(train), TrainArgs.COMMAND);
      double trainSeconds = Duration.between(runStarted, Instant.now()).toMillis() / 1000.0;
      Optional<EvaluateRequest> evaluate = plan.evaluateRequest(run);
      double evaluateSeconds = 0;
      if (status == ExitCodes.SUCCESS && evaluate.isPresent()) {
        Instant evaluateStarted = Instant.now();
        status = announce(evaluate.get().toArgs(), () -> new EvaluationJob(session, out).run(evaluate.get()),
            EvaluateArgs.COMMAND);
        evaluateSeconds = Duration.between(evaluateStarted, Instant.now()).toMillis() / 1000.0;
      }
      if (status != ExitCodes.SUCCESS) {
        failure = "run " + id + " failed with exit status " + status;
        err.println("magnet experiment: " + failure + "; the runs before it are in the table");
        break;
      }
      results.add(result(plan, run, runStarted, Instant.now(), trainSeconds, evaluateSeconds));
      write(resultsPath(plan), ExperimentResults.json(plan, results, started, Instant.now(), false, null));
    }
    ExperimentTable table = ExperimentTable.of(plan, results);
    String markdown = table.markdown();
    write(dir + "/" + TABLE, markdown);
    write(resultsPath(plan), ExperimentResults.json(plan, results, started, Instant.now(),
        results.size() == runs.size(), failure));
    out.println();
    out.println("experiment " + name + (failure == null ? "" : " (incomplete: " + failure + ")") + ":");
    out.println();
    out.print(markdown);
    out.println("table: " + dir + "/" + TABLE + "  results: " + resultsPath(plan) + "  commands: " + dir + "/"
        + SCRIPT);
    if (plan.experiment() == Experiment.ITERATIONS && !results.isEmpty()) {
      out.println("report: " + report(plan, table));
    }
    return new Outcome(status, markdown);
  }

  /** Writes the pretrained experiment's data files, unless a resumed experiment has them already. */
  private void prepare(PretrainingData data, ExperimentSetup setup, boolean resume) {
    if (resume && data.exists(conf)) {
      out.println("pre-training data: " + data.dir() + " (kept)");
      return;
    }
    try {
      out.println(JobException.input(() -> data.write(session, setup, conf)));
    } catch (IllegalArgumentException e) {
      throw new JobException(ExitCodes.BAD_INPUT, e.getMessage(), e);
    }
  }

  /** Prints a run's command as the user would type it, then runs it in this Spark session. */
  private int announce(List<String> args, IntSupplier job, String command) {
    out.println();
    out.println("$ " + Arguments.shell(args));
    out.flush();
    return JobException.run("magnet " + command, err, job);
  }

  /** A finished run's result, read back from the metrics files it wrote. */
  private RunResult result(ExperimentPlan plan, RunSpec run, Instant started, Instant finished, double trainSeconds,
      double evaluateSeconds) {
    MetricsJson.Document metrics = JobException.input(() -> MetricsJson.read(plan.metricsPath(run), conf));
    Map<String, Double> evaluation = plan.evaluateRequest(run).isEmpty() ? Map.of()
        : JobException.input(() -> MetricsJson.read(plan.evaluationPath(run), conf)).summary();
    return new RunResult(run, plan.trainArgs(run), plan.evaluateArgs(run), started, finished, trainSeconds,
        evaluateSeconds, metrics.epochs(), new LinkedHashMap<>(evaluation));
  }

  private static String resultsPath(ExperimentPlan plan) {
    return plan.setup().output() + "/" + ExperimentResults.FILE_NAME;
  }

  /** The runs an earlier invocation recorded in the experiment's results.json; none when there is none. */
  private Map<String, ExperimentResults.Recorded> recorded(ExperimentPlan plan) {
    String path = resultsPath(plan);
    Optional<String> json = TextFiles.read(path, conf);
    return json.isEmpty() ? Map.of() : JobException.input(() -> ExperimentResults.recorded(json.get(), path));
  }

  /**
   * A recorded run, when its commands are those planned now and its metrics files are there (read
   * again: they hold the figures); null otherwise, and it runs again.
   */
  private RunResult takeOver(ExperimentPlan plan, RunSpec run, ExperimentResults.Recorded recorded) {
    List<String> evaluate = plan.evaluateArgs(run);
    boolean same = recorded.trainCommand().equals(Arguments.shell(plan.trainArgs(run)))
        && recorded.evaluateCommand().equals(evaluate.isEmpty() ? "" : Arguments.shell(evaluate));
    if (!same || !JobException.input(() -> HadoopModelDirectory.exists(plan.metricsPath(run), conf)
        && (evaluate.isEmpty() || HadoopModelDirectory.exists(plan.evaluationPath(run), conf)))) {
      return null;
    }
    return result(plan, run, recorded.started(), recorded.finished(), recorded.trainSeconds(),
        recorded.evaluateSeconds());
  }

  /**
   * The iterations plot (each configuration's held-out error per epoch, the mean over its seeds)
   * with the target and, for one seed, the lowest error every loss reaches; and the table.
   */
  private String report(ExperimentPlan plan, ExperimentTable table) {
    List<IterationsReport.Series> series = new ArrayList<>();
    for (RunSpec run : table.configurations()) {
      List<ErrorCurve> curves = table.seedsOf(run).stream().map(r -> r.curve(plan.experiment())).toList();
      int epochs = curves.stream().mapToInt(c -> c.points().size()).min().orElse(0);
      List<Long> iterations = new ArrayList<>();
      List<Double> errors = new ArrayList<>();
      for (int e = 0; e < epochs; e++) {
        final int i = e;
        iterations.add(curves.get(0).points().get(i).iterations());
        errors.add(curves.stream().mapToDouble(c -> c.points().get(i).error()).average().orElseThrow());
      }
      series.add(new IterationsReport.Series(run.label(), iterations, errors));
    }
    Map<String, Double> levels = new LinkedHashMap<>();
    levels.put("target " + plan.setup().targetError(), plan.setup().targetError());
    if (table.commonErrors().size() == 1) {
      double e = table.commonErrors().values().iterator().next();
      levels.put(String.format(Locale.ROOT, "lowest both reach %.4f", e), e);
    }
    String path = plan.setup().output() + "/" + REPORT_DIR;
    return JobException.input(() -> IterationsReport.write("Magnet experiment: held-out error against iterations",
        series, levels, table.notes(), table.header(), table.rows(), path, conf));
  }

  private void write(String path, String text) {
    TextFiles.write(path, text, conf);
  }
}
