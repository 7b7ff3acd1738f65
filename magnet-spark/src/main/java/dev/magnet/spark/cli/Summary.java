package dev.magnet.spark.cli;

import dev.magnet.spark.train.SparkEpochMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** The CLI's text output: one line per epoch while training, and tables of the results. */
final class Summary {
  private Summary() {}

  /** One epoch as it finishes. */
  static String epochLine(SparkEpochMetrics e) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "epoch %d: loss %.4f, %d batches, %.1f s, %.0f examples/s", e.epoch(), e.loss(), e.batches(),
        e.totalSeconds(), e.examplesPerSecond()));
    new TreeSet<>(e.validation().keySet()).forEach(name ->
        line.append(String.format(Locale.ROOT, ", %s %.4f", name, e.validation().get(name))));
    return line.toString();
  }

  /** Every epoch as a table, with the last epoch's validation metrics as columns. */
  static String table(List<SparkEpochMetrics> epochs) {
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

  /** Named values as a two-column table, in their order. */
  static String values(Map<String, Double> values) {
    int width = values.keySet().stream().mapToInt(String::length).max().orElse(6);
    StringBuilder table = new StringBuilder();
    values.forEach((name, value) -> table.append(String.format(Locale.ROOT, "%-" + width + "s  %.4f%n", name, value)));
    return table.toString();
  }

  private static int width(String name) {
    return Math.max(name.length(), 8);
  }
}
