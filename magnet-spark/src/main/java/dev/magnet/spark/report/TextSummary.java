package dev.magnet.spark.report;

import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.ImageReport;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** The CLI's text output: one line per epoch while training, and tables of the results. */
public final class TextSummary {
  private TextSummary() {}

  /**
   * What loading image files did, one line: "images:/data/train: 59990 of 60000 files decoded to
   * 1x28x28 in 12.3 s (once, cached on the executors); 10 rejected (corrupt 4, empty 6)".
   */
  public static String imageLine(String source, ImageReport images, InputShape shape) {
    return String.format(Locale.ROOT, "%s: %d of %d inputs decoded to %dx%dx%d in %.1f s (once, cached on the"
        + " executors); %d rejected%s", source, images.decoded(), images.inputs(), shape.channels(), shape.height(),
        shape.width(), images.decodeSeconds(), images.rejected(), images.rejected() == 0 ? ""
            : " " + images.rejectedByReason().toString().replace('=', ' ').replace('{', '(').replace('}', ')'));
  }

  /** One epoch as it finishes. */
  public static String epochLine(SparkEpochMetrics e) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "epoch %d: loss %.4f, %d batches, %.1f s, %.0f examples/s", e.epoch(), e.loss(), e.batches(),
        e.totalSeconds(), e.examplesPerSecond()));
    new TreeSet<>(e.validation().keySet()).forEach(name ->
        line.append(String.format(Locale.ROOT, ", %s %.4f", name, e.validation().get(name))));
    return line.toString();
  }

  /** Every epoch as a table, with the last epoch's validation metrics as columns. */
  public static String table(List<SparkEpochMetrics> epochs) {
    TreeSet<String> names = epochs.isEmpty() ? new TreeSet<>()
        : new TreeSet<>(epochs.get(epochs.size() - 1).validation().keySet());
    StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%5s %10s %8s %9s %11s", "epoch", "loss",
        "batches", "seconds", "examples/s"));
    names.forEach(name -> table.append(String.format(Locale.ROOT, " %" + width(name) + "s", name)));
    table.append('\n');
    for (SparkEpochMetrics e : epochs) {
      table.append(String.format(Locale.ROOT, "%5d %10.4f %8d %9.1f %11.0f", e.epoch(), e.loss(), e.batches(),
          e.totalSeconds(), e.examplesPerSecond()));
      names.forEach(name -> table.append(String.format(Locale.ROOT, " %" + width(name) + ".4f",
          e.validation().getOrDefault(name, Double.NaN))));
      table.append('\n');
    }
    return table.toString();
  }

  /**
   * Evaluation metrics as a table: one row per metric in the order computed, its value against
   * the labels evaluated, and a {@code fine} column (the {@value Evaluator#FINE_PREFIX} variant,
   * hierarchy recovery) when any was computed; "-" where a metric has no fine variant. Counts
   * (the retrieval queries left out) print as integers.
   */
  public static String metrics(Map<String, Double> values) {
    List<String> rows = new ArrayList<>();
    values.keySet().stream().filter(n -> !n.startsWith(Evaluator.FINE_PREFIX)).forEach(rows::add);
    values.keySet().stream().filter(n -> n.startsWith(Evaluator.FINE_PREFIX))
        .map(n -> n.substring(Evaluator.FINE_PREFIX.length())).filter(n -> !rows.contains(n)).forEach(rows::add);
    boolean fine = values.keySet().stream().anyMatch(n -> n.startsWith(Evaluator.FINE_PREFIX));
    int width = Math.max("metric".length(), rows.stream().mapToInt(String::length).max().orElse(0));
    StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s %10s", "metric", "value"));
    table.append(fine ? String.format(Locale.ROOT, " %10s%n", "fine") : String.format(Locale.ROOT, "%n"));
    for (String name : rows) {
      table.append(String.format(Locale.ROOT, "%-" + width + "s %10s", name, metricValue(name, values.get(name))));
      table.append(fine ? String.format(Locale.ROOT, " %10s%n", metricValue(name,
          values.get(Evaluator.FINE_PREFIX + name))) : String.format(Locale.ROOT, "%n"));
    }
    return table.toString();
  }

  private static String metricValue(String name, Double value) {
    if (value == null) {
      return "-";
    }
    return name.equals(Evaluator.EXCLUDED_QUERIES) ? String.format(Locale.ROOT, "%.0f", value)
        : String.format(Locale.ROOT, "%.4f", value);
  }

  private static int width(String name) {
    return Math.max(name.length(), 8);
  }
}
