package dev.magnet.spark.experiment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.core.model.MagnetVersion;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.util.Arguments;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An experiment's {@code results.json}: the setup (seeds, epochs, data, date), every run's
 * commands, times, per-epoch metrics, evaluation and table row (one run per configuration and
 * seed), then each configuration's figures over its seeds (mean, 95% half-width and the per-seed
 * values), the paired differences and the claims with their verdicts.
 */
public final class ExperimentResults {
  /** The file's name in the experiment's directory. */
  public static final String FILE_NAME = "results.json";
  /** Bumped on every incompatible change of the layout. */
  public static final int FORMAT_VERSION = 2;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ExperimentResults() {}

  /**
   * A run as an earlier results.json records it: what {@code --resume} needs to take it over
   * instead of running it again.
   *
   * @param trainCommand its train command line
   * @param evaluateCommand its evaluate command line; empty for none
   */
  public record Recorded(String trainCommand, String evaluateCommand, Instant started, Instant finished,
      double trainSeconds, double evaluateSeconds) {}

  /** The runs of an earlier results.json by id ({@link ExperimentPlan#runId}). */
  public static Map<String, Recorded> recorded(String json, String source) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IOException(source + " is not a valid results file: " + e.getOriginalMessage(), e);
    }
    if (root.path("formatVersion").asInt(-1) != FORMAT_VERSION) {
      throw new IOException(source + " has results format version " + root.path("formatVersion")
          + ", which this Magnet cannot read (it reads " + FORMAT_VERSION + ")");
    }
    Map<String, Recorded> runs = new LinkedHashMap<>();
    for (JsonNode run : root.path("runs")) {
      runs.put(run.path("id").asText(), new Recorded(run.path("trainCommand").asText(),
          run.path("evaluateCommand").asText(""), Instant.parse(run.path("started").asText()),
          Instant.parse(run.path("finished").asText()), run.path("trainWallSeconds").asDouble(),
          run.path("evaluateWallSeconds").asDouble()));
    }
    return runs;
  }

  /**
   * The document.
   *
   * @param complete whether every run of the plan is in {@code results} (false while the experiment runs)
   * @param failure why the experiment stopped early; null when it did not
   */
  public static String json(ExperimentPlan plan, List<RunResult> results, Instant started, Instant finished,
      boolean complete, String failure) {
    ExperimentSetup s = plan.setup();
    ExperimentTable table = ExperimentTable.of(plan, results);
    ObjectNode root = JSON.createObjectNode();
    root.put("formatVersion", FORMAT_VERSION);
    root.put("experiment", plan.experiment().spelling());
    root.put("magnetVersion", MagnetVersion.get());
    root.put("started", started.toString());
    root.put("finished", finished.toString());
    root.put("wallSeconds", Duration.between(started, finished).toMillis() / 1000.0);
    root.put("seed", s.seed());
    root.set("seeds", JSON.valueToTree(s.seedList()));
    root.put("epochs", s.epochs());
    if (s.limit().isPresent()) {
      root.put("limit", s.limit().getAsInt());
    } else {
      root.putNull("limit");
    }
    root.put("data", s.data().toString());
    root.put("validation", s.validation().toString());
    if (plan.experiment().coarse()) {
      root.put("coarse", s.coarse());
    }
    root.put("network", EnumSpelling.of(s.network()));
    root.put("targetError", s.targetError());
    if (plan.experiment() == Experiment.ABLATION) {
      root.set("ablation", JSON.valueToTree(s.ablation()));
    }
    ObjectNode tuned = root.putObject("tuned");
    s.tuned().forEach((loss, config) -> tuned.put(EnumSpelling.of(loss), config.source()));
    root.set("trainArgs", JSON.valueToTree(s.trainArgs()));
    if (!table.commonErrors().isEmpty()) {
      ObjectNode common = root.putObject("commonError");
      table.commonErrors().forEach((seed, error) -> common.put(Long.toString(seed), error));
    }
    root.put("complete", complete);
    if (failure != null) {
      root.put("failed", failure);
    }
    root.set("columns", JSON.valueToTree(table.header()));
    ArrayNode runs = root.putArray("runs");
    for (RunResult r : results) {
      ObjectNode run = runs.addObject();
      run.put("id", ExperimentPlan.runId(r.run()));
      run.put("name", r.run().name());
      run.put("seed", r.run().seed());
      run.put("label", r.run().label());
      run.put("loss", EnumSpelling.of(r.run().loss()));
      run.set("factors", JSON.valueToTree(r.run().factors()));
      run.put("model", plan.runDir(r.run()));
      run.put("trainCommand", Arguments.shell(r.trainArgs()));
      if (!r.evaluateArgs().isEmpty()) {
        run.put("evaluateCommand", Arguments.shell(r.evaluateArgs()));
      }
      run.put("started", r.started().toString());
      run.put("finished", r.finished().toString());
      run.put("trainWallSeconds", r.trainSeconds());
      run.put("evaluateWallSeconds", r.evaluateSeconds());
      run.put("epochSeconds", r.epochSeconds());
      ArrayNode epochs = run.putArray("epochs");
      long iterations = 0;
      for (SparkEpochMetrics e : r.epochs()) {
        iterations += e.batches();
        ObjectNode epoch = epochs.addObject();
        epoch.put("epoch", e.epoch());
        epoch.put("iterations", iterations);
        epoch.put("loss", e.loss());
        epoch.put("seconds", e.totalSeconds());
        epoch.set("validation", JSON.valueToTree(new TreeMap<>(e.validation())));
      }
      run.set("evaluation", JSON.valueToTree(new TreeMap<>(r.evaluation())));
      run.set("row", JSON.valueToTree(table.values(r)));
    }
    ObjectNode summary = root.putObject("summary");
    for (RunSpec config : table.configurations()) {
      ObjectNode figures = summary.putObject(config.name());
      table.summary(config).forEach((key, value) -> figures.set(key, value instanceof Interval i ? interval(i)
          : JSON.valueToTree(value)));
    }
    ArrayNode differences = root.putArray("differences");
    for (Comparisons.Difference d : table.differences()) {
      ObjectNode difference = differences.addObject();
      difference.put("run", d.run().name());
      difference.put("baseline", d.baseline().name());
      ObjectNode values = difference.putObject("values");
      d.values().forEach((key, i) -> values.set(key, interval(i)));
    }
    ArrayNode claims = root.putArray("claims");
    for (Claim c : table.claims()) {
      ObjectNode claim = claims.addObject();
      claim.put("claim", c.statement());
      claim.put("measure", c.measure());
      claim.put("baseline", c.baselineLabel());
      claim.put("weight", c.weight());
      claim.set("magnet", interval(c.magnet()));
      claim.set("baselineValue", interval(c.baseline()));
      claim.set("difference", interval(c.difference()));
      claim.put("verdict", c.verdict().spelling());
    }
    return text(root, FILE_NAME);
  }

  /**
   * {@code root} as indented JSON with a final newline: the text of results.json and of the tuning
   * record.
   *
   * @param file the file it goes to, for the message should it fail
   */
  public static String text(ObjectNode root, String file) {
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + file + ": " + e.getOriginalMessage(), e);
    }
  }

  /** An interval as JSON: mean, half-width and bounds (null for one value), n and the per-seed values. */
  static ObjectNode interval(Interval i) {
    ObjectNode node = JSON.createObjectNode();
    node.put("mean", i.mean());
    if (i.defined()) {
      node.put("halfWidth", i.halfWidth());
      node.put("low", i.low());
      node.put("high", i.high());
    } else {
      node.putNull("halfWidth");
    }
    node.put("n", i.n());
    node.set("values", JSON.valueToTree(i.values()));
    return node;
  }

  /** The commands of every run, one a line, as a shell script to rerun them by hand. */
  public static String script(ExperimentPlan plan) {
    StringBuilder sh = new StringBuilder("#!/usr/bin/env bash\n# The runs of ./spark-submit experiment ")
        .append(plan.experiment().spelling()).append(", one command each, in order.\n");
    if (plan.experiment() == Experiment.PRETRAINED) {
      PretrainingData data = plan.setup().pretrainingData();
      sh.append("# The data files in ").append(data.dir()).append(" are written by the experiment itself: ")
          .append(plan.setup().data()).append(" and ").append(plan.setup().validation()).append(" split by class,")
          .append(" pre-training classes ").append(data.pretrainClasses()).append(".\n");
    }
    sh.append("set -e\n");
    for (RunSpec run : plan.seededRuns()) {
      sh.append(Arguments.shell(plan.trainArgs(run))).append('\n');
      if (!plan.evaluateArgs(run).isEmpty()) {
        sh.append(Arguments.shell(plan.evaluateArgs(run))).append('\n');
      }
    }
    return sh.toString();
  }
}
