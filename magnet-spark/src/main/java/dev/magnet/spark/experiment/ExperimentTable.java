package dev.magnet.spark.experiment;

import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.spark.util.Arguments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * An experiment's table: one row per run, every cell a figure the runs produced (the evaluation's
 * JSON, the training's metrics.json, the measured wall time) or arithmetic on them (1 − accuracy,
 * iterations to an error). The same values go to the Markdown table and to results.json.
 *
 * <p>Each loss is scored by its own classifier ({@link #classifier}) and by 1-NN; iterations are
 * batches fitted, counted at the epoch boundaries where held-out metrics exist.
 */
public final class ExperimentTable {
  /** A cell of a run that never got to the error asked for. */
  public static final String NOT_REACHED = "not reached";
  /** A cell of a value the run did not produce. */
  public static final String MISSING = "—";

  /** How a column's values print; a missing ITERATIONS value is a run that never got there. */
  enum Format { TEXT, ERROR, SECONDS, COUNT, ITERATIONS }

  /**
   * One column.
   *
   * @param header its heading in the Markdown table
   * @param key its name in results.json
   * @param format how its values print
   * @param value the run's value: a String, Double or Long; null when the run has none
   */
  record Column(String header, String key, Format format, Function<RunResult, Object> value) {}

  private final ExperimentPlan plan;
  private final List<RunResult> results;
  private final List<Column> columns;
  private final OptionalDouble commonError;

  private ExperimentTable(ExperimentPlan plan, List<RunResult> results) {
    this.plan = plan;
    this.results = List.copyOf(results);
    Experiment experiment = plan.experiment();
    this.commonError = experiment == Experiment.ITERATIONS
        ? ErrorCurve.commonError(this.results.stream().map(r -> r.curve(experiment)).toList())
        : OptionalDouble.empty();
    this.columns = columns();
  }

  /** The table of the runs done so far. */
  public static ExperimentTable of(ExperimentPlan plan, List<RunResult> results) {
    return new ExperimentTable(plan, results);
  }

  /** The lowest held-out error every run reaches (the iterations experiment); empty otherwise. */
  public OptionalDouble commonError() {
    return commonError;
  }

  private List<Column> columns() {
    double target = plan.setup().targetError();
    String targetHeader = String.format(Locale.ROOT, "iterations to %s1-NN error ≤ %s",
        plan.experiment().coarse() ? "fine " : "", Arguments.plain(target));
    Column run = new Column("run", "run", Format.TEXT, r -> r.run().label());
    Column seconds = new Column("train s", "train_seconds", Format.SECONDS, RunResult::trainSeconds);
    Column toTarget = new Column(targetHeader, "iterations_to_target", Format.ITERATIONS,
        r -> boxed(r.curve(plan.experiment()).iterationsToReach(target)));
    List<Column> c = new ArrayList<>();
    c.add(run);
    switch (plan.experiment()) {
      case CLASSIFICATION -> {
        c.add(new Column("classifier", "classifier", Format.TEXT, r -> r.run().objective().classifier().name()));
        c.add(new Column("test error", "test_error", Format.ERROR, RunResult::ownClassifierError));
        c.add(new Column("1-NN error", "knn1_error", Format.ERROR, r -> r.error(Metric.KNN1_ACCURACY.key())));
        retrieval(c, "", true);
      }
      case HIERARCHY -> {
        c.add(new Column("fine 1-NN error", "fine_knn1_error", Format.ERROR,
            r -> r.error(Metric.KNN1_ACCURACY.fineKey())));
        retrieval(c, Evaluator.FINE_PREFIX, true);
        c.add(new Column("coarse classifier", "coarse_classifier", Format.TEXT,
            r -> r.run().objective().classifier().name()));
        c.add(new Column("coarse test error", "coarse_test_error", Format.ERROR, RunResult::ownClassifierError));
      }
      case ABLATION -> {
        for (String factor : List.of("K", "M", "D", "α", "refresh")) {
          c.add(new Column(factor, factor.equals("α") ? "alpha" : factor.toLowerCase(Locale.ROOT), Format.TEXT,
              r -> r.run().factors().get(factor)));
        }
        c.add(new Column("fine 1-NN error", "fine_knn1_error", Format.ERROR,
            r -> r.error(Metric.KNN1_ACCURACY.fineKey())));
        retrieval(c, Evaluator.FINE_PREFIX, false);
        c.add(new Column("coarse cluster-rule error", "coarse_cluster_error", Format.ERROR,
            r -> r.error(Metric.CLUSTER_ACCURACY.key())));
      }
      case ITERATIONS -> {
        c.add(new Column("batches per epoch", "batches_per_epoch", Format.COUNT,
            r -> r.epochs().isEmpty() ? null : (long) r.epochs().get(0).batches()));
        c.add(new Column("1-NN error per epoch", "knn1_error_per_epoch", Format.TEXT,
            r -> r.curve(plan.experiment()).points().stream().map(p -> error(p.error()))
                .collect(Collectors.joining(" / "))));
        c.add(new Column("lowest error", "lowest_error", Format.ERROR, r -> boxed(r.curve(plan.experiment()).lowest())));
        String common = commonError.isPresent() ? " " + error(commonError.getAsDouble()) : "";
        c.add(new Column("iterations to the lowest error both reach" + common, "iterations_to_common_error",
            Format.ITERATIONS, r -> commonError.isPresent()
                ? boxed(r.curve(plan.experiment()).iterationsToReach(commonError.getAsDouble())) : null));
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

  /** Every run's cells as printed. */
  public List<List<String>> rows() {
    List<List<String>> rows = new ArrayList<>();
    for (RunResult r : results) {
      List<String> row = new ArrayList<>();
      for (Column column : columns) {
        row.add(cell(column, column.value().apply(r)));
      }
      rows.add(row);
    }
    return rows;
  }

  private static String cell(Column column, Object value) {
    if (value == null) {
      return column.format() == Format.ITERATIONS ? NOT_REACHED : MISSING;
    }
    return switch (column.format()) {
      case TEXT -> value.toString();
      case ERROR -> error(((Number) value).doubleValue());
      case SECONDS -> String.format(Locale.ROOT, "%.0f", ((Number) value).doubleValue());
      case COUNT, ITERATIONS -> Long.toString(((Number) value).longValue());
    };
  }

  /** One run's values by results.json key (null where the run has none). */
  public Map<String, Object> values(RunResult r) {
    Map<String, Object> values = new LinkedHashMap<>();
    columns.forEach(column -> values.put(column.key(), column.value().apply(r)));
    return values;
  }

  /** What the table does not say by itself: how its figures were measured, and for the iterations who needs how many. */
  public List<String> notes() {
    ExperimentSetup s = plan.setup();
    List<String> notes = new ArrayList<>();
    notes.add(String.format(Locale.ROOT, "%d epoch%s, seed %d, %s examples of %s and of %s%s; network %s.",
        s.epochs(), s.epochs() == 1 ? "" : "s", s.seed(), s.limit().isPresent() ? "at most " + s.limit().getAsInt() : "all", s.data(),
        s.validation(), plan.experiment().coarse() ? ", trained on the coarse labels of " + s.coarse()
            + " and scored on the fine ones" : "", EnumSpelling.of(s.network())));
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
          .filter(batches -> batches <= s.ablationRefresh())
          .ifPresent(batches -> notes.add("An epoch here is " + batches + " batches, so a refresh every "
              + s.ablationRefresh() + " batches is once per epoch: that row repeats the defaults."));
    }
    if (commonError.isPresent()) {
      String each = results.stream().map(r -> r.run().label() + " "
          + cellText(r.curve(plan.experiment()).iterationsToReach(commonError.getAsDouble()))).collect(Collectors.joining(", "));
      String target = results.stream().map(r -> r.run().label() + " "
          + cellText(r.curve(plan.experiment()).iterationsToReach(s.targetError()))).collect(Collectors.joining(", "));
      notes.add("Lowest held-out 1-NN error both reach: " + error(commonError.getAsDouble()) + "; iterations to it: "
          + each + ".");
      notes.add("Iterations to the target error " + Arguments.plain(s.targetError()) + ": " + target + ".");
    }
    return notes;
  }

  private static String cellText(OptionalLong iterations) {
    return iterations.isPresent() ? Long.toString(iterations.getAsLong()) : NOT_REACHED;
  }

  /** The table in Markdown, then its notes. */
  public String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("| ").append(String.join(" | ", header())).append(" |\n");
    md.append("|").append("---|".repeat(columns.size())).append('\n');
    for (List<String> row : rows()) {
      md.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    md.append('\n');
    notes().forEach(note -> md.append(note).append("\n\n"));
    return md.toString();
  }
}
