package dev.magnet.spark.metrics;

import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.Metric;
import dev.magnet.spark.util.ExitCodes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code --min-metric name=value} gates: the run fails (exit {@link ExitCodes#METRIC_GATE_FAILED})
 * when a named final metric is below its minimum, or was not computed.
 */
public final class MetricGates {
  private final Map<String, Double> minimums;

  /** Checks every name is one an {@link Evaluator} reports (fine_ variants included). */
  public MetricGates(Map<String, Double> minimums) {
    this.minimums = new LinkedHashMap<>(minimums);
    for (Map.Entry<String, Double> gate : this.minimums.entrySet()) {
      String name = checkName("--min-metric", gate.getKey());
      if (!Double.isFinite(gate.getValue())) {
        throw new IllegalArgumentException("--min-metric value must be finite; " + name + "=" + gate.getValue());
      }
    }
  }

  /** Checks {@code name} is a metric an {@link Evaluator} reports; {@code option} names the option in the error. */
  public static String checkName(String option, String name) {
    List<String> known = new ArrayList<>();
    for (Metric metric : Metric.values()) {
      known.addAll(metric.names());
    }
    String base = name.startsWith(Evaluator.FINE_PREFIX) ? name.substring(Evaluator.FINE_PREFIX.length()) : name;
    if (!known.contains(base)) {
      throw new IllegalArgumentException(option + " name must be one of " + new TreeSet<>(known)
          + " (or fine_ + one); name=" + name);
    }
    return name;
  }

  public boolean isEmpty() {
    return minimums.isEmpty();
  }

  /** The failed gates as one line each; empty when all pass. */
  public List<String> failures(Map<String, Double> finalMetrics) {
    List<String> failures = new ArrayList<>();
    minimums.forEach((name, minimum) -> {
      Double value = finalMetrics.get(name);
      if (value == null) {
        failures.add(name + " was not computed (computed: " + new TreeSet<>(finalMetrics.keySet()) + ")");
      } else if (!(value >= minimum)) {
        failures.add(name + "=" + value + " is below the minimum " + minimum);
      }
    });
    return failures;
  }
}
