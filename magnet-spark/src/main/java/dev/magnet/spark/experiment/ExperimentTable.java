package dev.magnet.spark.experiment;

import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.util.Arguments;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An experiment's tables: one row per configuration, every cell a figure the runs produced (the
 * evaluation's JSON, the training's metrics.json, the measured wall time) or arithmetic on them
 * (1 − accuracy, iterations to an error), as the mean over the seeds ± the half-width of its 95%
 * confidence interval ({@link Interval}); then the paired differences against the baselines (the
 * same seeds' runs) and the paper's claims with a verdict each ({@link Claim}). The same values go
 * to the Markdown and to results.json, where each seed's own values are kept too.
 *
 * <p>Each loss is scored by its own classifier ({@link #classifier}) and by 1-NN; iterations are
 * batches fitted, counted at the epoch boundaries where held-out metrics exist.
 */
public final class ExperimentTable {
  /** A cell of a run that never got to the error asked for. */
  public static final String NOT_REACHED = "not reached";
  /** A cell of a value the run did not produce. */
  public static final String MISSING = "—";

  /**
   * How a column's values print and combine over seeds. Numbers become intervals; a missing
   * ITERATIONS value is a run that never got there; ERRORS are per-epoch lists, averaged per epoch.
   */
  enum Format { TEXT, ERROR, SECONDS, COUNT, ITERATIONS, ERRORS }

  /**
   * One column.
   *
   * @param header its heading in the Markdown table
   * @param key its name in results.json
   * @param format how its values print
   * @param value one run's value: a String, Double, Long or List of Double; null when the run has none
   */
  record Column(String header, String key, Format format, Function<RunResult, Object> value) {
    boolean numeric() {
      return format == Format.ERROR || format == Format.SECONDS || format == Format.COUNT
          || format == Format.ITERATIONS;
    }
  }

  private final ExperimentPlan plan;
  private final List<RunResult> results;
  private final Map<String, List<RunResult>> byRun;
  private final Map<Long, Double> commonErrors;
  private final List<Column> columns;

  private ExperimentTable(ExperimentPlan plan, List<RunResult> results) {
    this.plan = plan;
    this.results = List.copyOf(results);
    this.byRun = new LinkedHashMap<>();
    for (RunSpec run : plan.runs()) {
      List<RunResult> seeds = this.results.stream().filter(r -> r.run().name().equals(run.name()))
          .sorted(Comparator.comparingLong(r -> r.run().seed())).toList();
      if (!seeds.isEmpty()) {
        byRun.put(run.name(), seeds);
      }
    }
    this.commonErrors = new TreeMap<>();
    if (plan.experiment() == Experiment.ITERATIONS) {
      Map<Long, List<ErrorCurve>> curves = new TreeMap<>();
      this.results.forEach(r -> curves.computeIfAbsent(r.run().seed(), s -> new ArrayList<>())
          .add(r.curve(plan.experiment())));
      curves.forEach((seed, c) -> ErrorCurve.commonError(c).ifPresent(e -> commonErrors.put(seed, e)));
    }
    this.columns = columns();
  }

  /** The table of the runs done so far. */
  public static ExperimentTable of(ExperimentPlan plan, List<RunResult> results) {
    return new ExperimentTable(plan, results);
  }

  /**
   * The lowest held-out error every run of each seed reaches (the iterations experiment), by seed;
   * empty otherwise.
   */
  public Map<Long, Double> commonErrors() {
    return Map.copyOf(commonErrors);
  }

  /** The configurations with at least one finished run, in the plan's order. */
  public List<RunSpec> configurations() {
    return plan.runs().stream().filter(r -> !r.auxiliary() && byRun.containsKey(r.name())).toList();
  }

  /** A configuration's finished runs, in seed order. */
  public List<RunResult> seedsOf(RunSpec run) {
    return byRun.getOrDefault(run.name(), List.of());
  }

  private List<Column> columns() {
    double target = plan.setup().targetError();
    String targetHeader = String.format(Locale.ROOT, "iterations to %s1-NN error ≤ %s",
        plan.experiment().coarse() ? "fine " : "", Arguments.plain(target));
    Column run = new Column("run", "run", Format.TEXT, r -> r.run().label());
    Column seconds = new Column("train s", "train_seconds", Format.SECONDS, RunResult::trainSeconds);
    Column toTarget = new Column(targetHeader, "iterations_to_target", Format.ITERATIONS,
        r -> boxed(r.curve(plan.experiment()).iterationsToReach(target)));
    Column perEpoch = new Column((plan.experiment().coarse() ? "fine " : "") + "1-NN error per epoch",
        plan.experiment().coarse() ? "fine_knn1_error_per_epoch" : "knn1_error_per_epoch", Format.ERRORS,
        r -> r.curve(plan.experiment()).points().stream().map(ErrorCurve.Point::error).toList());
    List<Column> c = new ArrayList<>();
    c.add(run);
    switch (plan.experiment()) {
      case CLASSIFICATION -> {
        c.add(new Column("classifier", "classifier", Format.TEXT, r -> r.run().objective().classifier().name()));
        c.add(new Column("test error", "test_error", Format.ERROR, RunResult::ownClassifierError));
        c.add(new Column("1-NN error", "knn1_error", Format.ERROR, r -> r.error(Metric.KNN1_ACCURACY.key())));
        retrieval(c, "", true);
      }
      case HIERARCHY, PRETRAINED -> {
        c.add(new Column("fine 1-NN error", "fine_knn1_error", Format.ERROR,
            r -> r.error(Metric.KNN1_ACCURACY.fineKey())));
        retrieval(c, Evaluator.FINE_PREFIX, true);
        c.add(new Column("coarse classifier", "coarse_classifier", Format.TEXT,
            r -> r.run().objective().classifier().name()));
        c.add(new Column("coarse test error", "coarse_test_error", Format.ERROR, RunResult::ownClassifierError));
        c.add(perEpoch);
      }
      case ABLATION -> {
        for (String factor : List.of("K", "M", "D", "α", "refresh", "learning rate")) {
          c.add(new Column(factor, switch (factor) {
            case "α" -> "alpha";
            case "learning rate" -> "learning_rate";
            default -> factor.toLowerCase(Locale.ROOT);
          }, Format.TEXT, r -> r.run().factors().get(factor)));
        }
        c.add(new Column("fine 1-NN error", "fine_knn1_error", Format.ERROR,
            r -> r.error(Metric.KNN1_ACCURACY.fineKey())));
        retrieval(c, Evaluator.FINE_PREFIX, false);
        c.add(new Column("coarse cluster-rule error", "coarse_cluster_error", Format.ERROR,
            r -> r.error(Metric.CLUSTER_ACCURACY.key())));
        c.add(perEpoch);
      }
      case ITERATIONS -> {
        c.add(new Column("batches per epoch", "batches_per_epoch", Format.COUNT,
            r -> r.epochs().isEmpty() ? null : (long) r.epochs().get(0).batches()));
        c.add(perEpoch);
        c.add(new Column("lowest error", "lowest_error", Format.ERROR, r -> boxed(r.curve(plan.experiment()).lowest())));
        String common = commonErrors.size() == 1 ? " " + error(commonErrors.values().iterator().next()) : "";
        c.add(new Column("iterations to the lowest error both reach" + common, "iterations_to_common_error",
            Format.ITERATIONS, r -> commonErrors.containsKey(r.run().seed())
                ? boxed(r.curve(plan.experiment()).iterationsToReach(commonErrors.get(r.run().seed()))) : null));
      }
      default -> throw new IllegalStateException("unknown experiment " + plan.experiment());
    }
    c.add(seconds);
    c.add(toTarget);
    return c;
  }

  /** Recall@1/2/4/8 (or only Recall@1), MAP@R and NMI, against the labels of {@code prefix}. */
  private static void retrieval(List<Column> c, String prefix, boolean everyRecall) {
    String shown = prefix.isEmpty() ? "" : "fine ";
    List<String> recalls = Metric.RECALL_AT_K.names();
    for (String recall : everyRecall ? recalls : recalls.subList(0, 1)) {
      String name = prefix + recall;
      c.add(new Column(shown + "R@" + recall.substring(recall.lastIndexOf('_') + 1), name, Format.ERROR,
          r -> r.evaluation().get(name)));
    }
    String mapAtR = prefix + Metric.MAP_AT_R.key();
    String nmi = prefix + Metric.NMI.key();
    c.add(new Column(shown + "MAP@R", mapAtR, Format.ERROR, r -> r.evaluation().get(mapAtR)));
    c.add(new Column(shown + "NMI", nmi, Format.ERROR, r -> r.evaluation().get(nmi)));
  }

  private static Long boxed(OptionalLong value) {
    return value.isPresent() ? value.getAsLong() : null;
  }

  private static Double boxed(OptionalDouble value) {
    return value.isPresent() ? value.getAsDouble() : null;
  }

  private static String error(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }

  /** The headings. */
  public List<String> header() {
    return columns.stream().map(Column::header).toList();
  }

  /** Every configuration's cells as printed: means ± 95% half-widths over its seeds. */
  public List<List<String>> rows() {
    List<List<String>> rows = new ArrayList<>();
    for (RunSpec run : configurations()) {
      List<RunResult> seeds = seedsOf(run);
      List<String> row = new ArrayList<>();
      for (Column column : columns) {
        row.add(cell(column, seeds));
      }
      rows.add(row);
    }
    return rows;
  }

  /** The cell of a column over a configuration's seeds. */
  private static String cell(Column column, List<RunResult> seeds) {
    List<Object> values = seeds.stream().map(column.value()).toList();
    long present = values.stream().filter(Objects::nonNull).count();
    if (column.format() == Format.TEXT) {
      return values.get(0) == null ? MISSING : values.get(0).toString();
    }
    if (column.format() == Format.ERRORS) {
      return meanPerEpoch(values).stream().map(ExperimentTable::error).collect(Collectors.joining(" / "));
    }
    if (present < values.size()) {
      if (column.format() != Format.ITERATIONS) {
        return MISSING;
      }
      return present == 0 ? NOT_REACHED : NOT_REACHED + " by " + (values.size() - present) + " of " + values.size();
    }
    Interval interval = Interval.of(values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray());
    return switch (column.format()) {
      case ERROR -> interval.format(4);
      case COUNT -> interval.halfWidth() == 0 ? String.format(Locale.ROOT, "%.0f", interval.mean()) : interval.format(1);
      default -> interval.format(0);
    };
  }

  /** The element-wise mean of per-epoch lists, over the epochs every list has. */
  @SuppressWarnings("unchecked")
  private static List<Double> meanPerEpoch(List<Object> lists) {
    int epochs = lists.stream().mapToInt(l -> ((List<Double>) l).size()).min().orElse(0);
    List<Double> mean = new ArrayList<>();
    for (int e = 0; e < epochs; e++) {
      final int i = e;
      mean.add(lists.stream().mapToDouble(l -> ((List<Double>) l).get(i)).average().orElseThrow());
    }
    return mean;
  }

  /** One run's values by results.json key (null where the run has none). */
  public Map<String, Object> values(RunResult r) {
    Map<String, Object> values = new LinkedHashMap<>();
    columns.forEach(column -> values.put(column.key(), column.value().apply(r)));
    return values;
  }

  /**
   * A configuration's figures over its seeds by results.json key: an {@link Interval} for a
   * numeric column whose every seed has a value, the per-epoch means for a per-epoch column, else
   * the first seed's value (text, or a numeric column some seed lacks: null).
   */
  public Map<String, Object> summary(RunSpec run) {
    List<RunResult> seeds = seedsOf(run);
    Map<String, Object> summary = new LinkedHashMap<>();
    for (Column column : columns) {
      List<Object> values = seeds.stream().map(column.value()).toList();
      if (column.format() == Format.ERRORS) {
        summary.put(column.key(), meanPerEpoch(values));
      } else if (column.numeric()) {
        summary.put(column.key(), values.stream().anyMatch(Objects::isNull) ? null
            : Interval.of(values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray()));
      } else {
        summary.put(column.key(), values.get(0));
      }
    }
    return summary;
  }

  /** Each configuration's values of the column {@code key} by seed, where it has one. */
  Map<Long, Double> bySeed(RunSpec run, String key) {
    Column column = columns.stream().filter(c -> c.key().equals(key)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no column " + key + " in the " + plan.experiment().spelling()
            + " table"));
    Map<Long, Double> values = new TreeMap<>();
    for (RunResult r : seedsOf(run)) {
      Object v = column.value().apply(r);
      if (v != null) {
        values.put(r.run().seed(), ((Number) v).doubleValue());
      }
    }
    return values;
  }

  /** The paired differences against the baselines, for each pair the experiment compares. */
  public List<Comparisons.Difference> differences() {
    return Comparisons.of(this).differences();
  }

  /** The paper's claims this experiment tests, each with its verdict at 95%. */
  public List<Claim> claims() {
    return Comparisons.of(this).claims();
  }

  /** The experiment tabulated. */
  Experiment experiment() {
    return plan.experiment();
  }

  /** The keys of the columns compared between runs: errors and iterations, not times or counts. */
  List<String> comparedKeys() {
    return columns.stream().filter(c -> c.numeric() && c.format() != Format.SECONDS && c.format() != Format.COUNT)
        .map(Column::key).toList();
  }

  /** What the table does not say by itself: how its figures were measured, and for the iterations who needs how many. */
  public List<String> notes() {
    ExperimentSetup s = plan.setup();
    List<String> notes = new ArrayList<>();
    List<Long> seeds = results.stream().map(r -> r.run().seed()).distinct().sorted().toList();
    String seedText = seeds.size() == 1 ? "seed " + seeds.get(0)
        : seeds.size() + " seeds (" + seeds.stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")";
    notes.add(String.format(Locale.ROOT, "%d epoch%s, %s, %s examples of %s and of %s%s; network %s.",
        s.epochs(), s.epochs() == 1 ? "" : "s", seedText, s.limit().isPresent() ? "at most " + s.limit().getAsInt()
            : "all", s.data(), s.validation(), plan.experiment().coarse() ? ", trained on the coarse labels of "
            + s.coarse() + " and scored on the fine ones" : "", EnumSpelling.of(s.network())));
    if (plan.experiment() == Experiment.PRETRAINED) {
      notes.add("Split by class: the pre-training run trains softmax on the fine labels of classes "
          + s.pretrainClasses() + "; every row trains on the coarse labels of the other classes (" + s.pretrainingData()
          .taskMap() + ") and is scored on their fine labels; rows marked (pre-trained) start from the pre-training"
          + " run's network body of the same seed (train --pretrained), with a fresh head and optimiser.");
    }
    if (seeds.size() > 1) {
      notes.add("Each cell is the mean over the seeds ± the half-width of its 95% confidence interval (Student's t,"
          + " n − 1 degrees of freedom); per-epoch errors are means; results.json has every seed's values.");
    }
    s.tuned().values().forEach(t -> notes.add(EnumSpelling.of(t.params().loss()) + " trains with the tuned"
        + " configuration of " + t.source() + "."));
    if (plan.experiment().evaluated()) {
      notes.add("Errors are 1 − accuracy on " + s.validation() + " (evaluate: k-NN against " + s.data()
          + "; retrieval and NMI within the test set); \"classifier\" is each loss's own: Magnet's cluster rule,"
          + " softmax's argmax, triplet's 1-NN.");
    }
    notes.add("Iterations are batches fitted, counted at the end of each epoch, where train measures the held-out"
        + " 1-NN error; \"train s\" is the train command's wall time (the first run's includes the JVM's and Spark's"
        + " warm-up; results.json also has each run's epochSeconds, the epochs' phases alone).");
    if (plan.experiment() == Experiment.ABLATION) {
      results.stream().filter(r -> !r.epochs().isEmpty()).findFirst().map(r -> r.epochs().get(0).batches())
          .ifPresent(batches -> s.ablation().refreshEvery().stream().filter(every -> batches <= every)
              .forEach(every -> notes.add("An epoch here is " + batches + " batches, so a refresh every " + every
                  + " batches is once per epoch: that row repeats the reference run.")));
    }
    if (!commonErrors.isEmpty()) {
      notes.add("Lowest held-out 1-NN error both reach, per seed: " + commonErrors.entrySet().stream()
          .map(e -> (seeds.size() > 1 ? "seed " + e.getKey() + " " : "") + error(e.getValue()))
          .collect(Collectors.joining(", ")) + ".");
    }
    return notes;
  }

  /** The table in Markdown, then its notes, the paired differences (two seeds or more) and the claims. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    table(md, header(), rows());
    md.append('\n');
    notes().forEach(note -> md.append(note).append("\n\n"));
    List<Comparisons.Difference> differences = differences();
    boolean intervals = differences.stream().anyMatch(d -> d.values().values().stream().anyMatch(Interval::defined));
    if (intervals) {
      List<Column> compared = columns.stream().filter(c -> differences.stream()
          .anyMatch(d -> d.values().containsKey(c.key()))).toList();
      List<String> head = new ArrayList<>(List.of("difference", "seeds"));
      compared.forEach(c -> head.add(c.header()));
      List<List<String>> rows = new ArrayList<>();
      for (Comparisons.Difference d : differences) {
        List<String> row = new ArrayList<>(List.of(d.run().label() + " − " + d.baseline().label(),
            Integer.toString(d.values().values().stream().mapToInt(Interval::n).max().orElse(0))));
        compared.forEach(c -> row.add(d.values().containsKey(c.key())
            ? d.values().get(c.key()).format(c.format() == Format.ITERATIONS ? 0 : 4) : MISSING));
        rows.add(row);
      }
      md.append("Paired differences (the same seeds' runs), mean ± 95% confidence interval: below zero favours the"
          + " first run on errors and iterations, above zero on R@K, MAP@R and NMI:\n\n");
      table(md, head, rows);
      md.append('\n');
    }
    List<Claim> claims = claims();
    if (!claims.isEmpty()) {
      md.append("Claims, at 95% confidence (holds: the whole interval of Magnet − w × baseline is below zero;"
          + " refuted: it is at or above zero; inconclusive: it straddles zero, or one seed gives no interval):\n\n");
      List<List<String>> rows = new ArrayList<>();
      for (Claim c : claims) {
        int decimals = c.measure().startsWith("iterations") ? 0 : 4;
        rows.add(List.of(c.statement(), c.measure(), c.magnet().format(decimals),
            c.baselineLabel() + " " + c.baseline().format(decimals), Arguments.plain(c.weight()),
            c.difference().format(decimals), Integer.toString(c.difference().n()), "**" + c.verdict().spelling() + "**"));
      }
      table(md, List.of("claim", "measure", "Magnet", "baseline", "w", "Magnet − w × baseline", "seeds", "verdict"),
          rows);
      md.append('\n');
    }
    return md.toString();
  }

  private static void table(StringBuilder md, List<String> head, List<List<String>> rows) {
    md.append("| ").append(String.join(" | ", head)).append(" |\n");
    md.append("|").append("---|".repeat(head.size())).append('\n');
    for (List<String> row : rows) {
      md.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
  }
}
