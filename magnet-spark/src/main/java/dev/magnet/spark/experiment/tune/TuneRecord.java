package dev.magnet.spark.experiment.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.core.model.MagnetVersion;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.spark.experiment.ExperimentResults;
import dev.magnet.spark.experiment.Interval;
import dev.magnet.spark.util.Arguments;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a search writes: the chosen configuration as a train options file, the record
 * ({@value Tuner#RECORD}) and the table ({@value Tuner#TABLE}).
 */
final class TuneRecord {
  /** Bumped on every incompatible change of the record's layout. */
  static final int FORMAT_VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private TuneRecord() {}

  /**
   * The chosen configuration as train options, one option and its value a line, after comment
   * lines saying where it comes from: the format of {@code ./spark-submit}'s {@code @FILE} (and of
   * picocli's, which reads whole-line comments only, hence none after an option).
   */
  static String configFile(Tuner.Outcome o) {
    TuneRequest r = o.request();
    StringBuilder file = new StringBuilder();
    file.append("# The ").append(EnumSpelling.of(r.loss())).append(" configuration chosen by ./spark-submit experiment"
        + " tune on the ").append(r.task().spelling()).append(" task, ").append(Instant.now()).append(":\n");
    file.append(String.format(Locale.ROOT, "# trial %d of %d, %s %.4f on the %s of %s (%s); %d epoch(s), seed %d.%n",
        o.best().index() + 1, o.trials().size(), r.metric(), o.best().metric(), held(o), r.template().data(),
        r.limit() == null ? "all examples" : "at most " + r.limit() + " examples", r.epochs(), r.seed()));
    if (o.best().point().refreshesPerEpoch() != null) {
      file.append("# --refreshes-per-epoch holds whatever the data's size (the search fitted ").append(o.batchesPerEpochFit())
          .append(" batches an epoch).\n");
    }
    file.append("# Use: ./spark-submit train @FILE --data ... --output ...  or  ./spark-submit experiment ")
        .append(r.task().spelling()).append(" --tuned FILE\n");
    file.append("# Record: ").append(r.searchDir()).append('/').append(Tuner.RECORD).append('\n');
    List<String> words = o.options();
    for (int i = 0; i < words.size(); i += 2) {
      file.append(words.get(i)).append(' ').append(words.get(i + 1)).append('\n');
    }
    return file.toString();
  }

  private static String held(Tuner.Outcome o) {
    TuneRequest r = o.request();
    long n = o.split().ids().length;
    return r.folds() == 1
        ? String.format(Locale.ROOT, "%d examples held out of %d (%s of each class)", n - o.fitRows(), n,
            Arguments.plain(r.validationFraction()))
        : r.folds() + " stratified folds of " + n + " examples";
  }

  static String json(Tuner.Outcome o) {
    TuneRequest r = o.request();
    ObjectNode root = JSON.createObjectNode();
    root.put("formatVersion", FORMAT_VERSION);
    root.put("magnetVersion", MagnetVersion.get());
    root.put("written", Instant.now().toString());
    root.put("wallSeconds", o.seconds());
    root.put("loss", EnumSpelling.of(r.loss()));
    root.put("task", r.task().spelling());
    root.put("data", r.template().data().toString());
    if (r.task().coarse()) {
      root.put("coarse", r.coarse());
    }
    if (r.limit() == null) {
      root.putNull("limit");
    } else {
      root.put("limit", r.limit());
    }
    root.put("network", EnumSpelling.of(r.network()));
    root.put("epochs", r.epochs());
    root.put("seed", r.seed());
    root.put("metric", r.metric());
    root.put("folds", r.folds());
    root.put("validationFraction", r.validationFraction());
    root.set("trainArgs", JSON.valueToTree(r.trainArgs()));
    ObjectNode split = root.putObject("split");
    split.put("examples", o.split().ids().length);
    split.put("trainedOn", o.fitRows());
    split.put("batchesPerEpochTrainedOn", o.batchesPerEpochFit());
    split.put("batchesPerEpochAll", o.batchesPerEpochAll());
    ObjectNode perFold = split.putObject("perFoldAndClass");
    Map<Integer, Map<Integer, Integer>> counts = new TreeMap<>();
    for (int i = 0; i < o.split().ids().length; i++) {
      counts.computeIfAbsent(o.split().folds()[i], f -> new TreeMap<>()).merge(o.split().labels()[i], 1, Integer::sum);
    }
    counts.forEach((fold, classes) -> perFold.set(Integer.toString(fold), JSON.valueToTree(classes)));
    ArrayNode trials = root.putArray("trials");
    for (Tuner.Trial t : o.trials()) {
      ObjectNode trial = trials.addObject();
      trial.put("trial", t.index() + 1);
      trial.set("values", JSON.valueToTree(t.point().values()));
      if (Double.isNaN(t.metric())) {
        trial.putNull("metric");
        trial.put("failure", t.failure());
      } else {
        trial.put("metric", t.metric());
      }
      trial.put("seconds", t.seconds());
    }
    ObjectNode chosen = root.putObject("chosen");
    chosen.put("trial", o.best().index() + 1);
    chosen.put("metric", o.best().metric());
    chosen.set("values", JSON.valueToTree(o.best().point().values()));
    chosen.set("trainOptions", JSON.valueToTree(o.options()));
    chosen.put("file", r.configFile());
    if (o.confirmation() != null) {
      Tuner.Confirmation c = o.confirmation();
      ObjectNode confirmation = root.putObject("confirmation");
      confirmation.set("seeds", JSON.valueToTree(c.seeds()));
      confirmation.set("chosen", interval(c.chosen()));
      confirmation.set("first", interval(c.first()));
      confirmation.set("difference", interval(c.difference()));
      confirmation.put("verdict", c.verdict().spelling());
    }
    return ExperimentResults.text(root, Tuner.RECORD);
  }

  /** The trials finished so far, one JSON line each under the search's key: what --resume takes over. */
  static String trialLines(String key, List<Tuner.Trial> trials) {
    StringBuilder lines = new StringBuilder();
    for (Tuner.Trial t : trials) {
      if (Double.isNaN(t.metric())) {
        continue;
      }
      ObjectNode line = JSON.createObjectNode();
      line.put("key", key);
      line.put("values", values(t.point()));
      line.put("metric", t.metric());
      line.put("seconds", t.seconds());
      lines.append(line.toString()).append('\n');
    }
    return lines.toString();
  }

  /** A point's values as one JSON text: how a recorded trial is matched. */
  static String values(SearchPoint point) {
    return JSON.valueToTree(point.values()).toString();
  }

  /** The recorded trials of {@code key}: metric and seconds by {@link #values}. */
  static Map<String, double[]> recordedTrials(String lines, String key) throws IOException {
    Map<String, double[]> trials = new java.util.HashMap<>();
    for (String line : lines.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(line);
      if (node.path("key").asText().equals(key)) {
        trials.put(node.path("values").asText(), new double[] {node.path("metric").asDouble(),
            node.path("seconds").asDouble()});
      }
    }
    return trials;
  }

  private static ObjectNode interval(Interval i) {
    ObjectNode node = JSON.createObjectNode();
    node.put("mean", i.mean());
    node.put("halfWidth", i.defined() ? i.halfWidth() : Double.NaN);
    node.set("values", JSON.valueToTree(i.values()));
    return node;
  }

  /** Every trial in order, the chosen one in bold, then the comparison over seeds. */
  static String markdown(Tuner.Outcome o) {
    TuneRequest r = o.request();
    List<String> names = new ArrayList<>(o.trials().get(0).point().values().keySet());
    StringBuilder md = new StringBuilder();
    md.append("| trial | ").append(String.join(" | ", names)).append(" | ").append(r.metric())
        .append(" | s |\n|").append("---|".repeat(names.size() + 3)).append('\n');
    for (Tuner.Trial t : o.trials()) {
      boolean chosen = t.index() == o.best().index();
      String mark = chosen ? "**" : "";
      md.append("| ").append(mark).append(t.index() + 1).append(mark);
      for (String name : names) {
        Object v = t.point().values().get(name);
        md.append(" | ").append(v instanceof Double d ? Arguments.plain(d) : String.valueOf(v));
      }
      md.append(" | ").append(Double.isNaN(t.metric()) ? "failed" : mark + String.format(Locale.ROOT, "%.4f", t.metric())
          + mark).append(" | ").append(String.format(Locale.ROOT, "%.0f", t.seconds())).append(" |\n");
    }
    md.append('\n').append(String.format(Locale.ROOT, "%s, %s task: %s on the %s of %s; %d epoch(s), seed %d. Trial 1"
        + " is the configuration given (defaults and --train-args); the metric is leave-one-out within the held-out"
        + " examples, on their fine labels.%n%n", EnumSpelling.of(r.loss()), r.task().spelling(), r.metric(), held(o),
        r.template().data(), r.epochs(), r.seed()));
    md.append("Chosen: trial ").append(o.best().index() + 1).append(", `").append(String.join(" ", o.options()))
        .append("`\n\n");
    Tuner.Confirmation c = o.confirmation();
    if (c != null) {
      md.append(String.format(Locale.ROOT, "Trained again with seeds %s on the same split: chosen %s, trial 1 %s;"
          + " chosen − trial 1 (paired) %s, 95%% interval [%.4f, %.4f]; that the chosen configuration wins: **%s**.%n%n",
          c.seeds(), c.chosen().format(4), c.first().format(4), c.difference().format(4), c.difference().low(),
          c.difference().high(), c.verdict().spelling()));
    } else if (r.seeds() >= 2) {
      md.append("The chosen configuration is trial 1's: nothing to compare over seeds.\n\n");
    }
    return md.toString();
  }
}
