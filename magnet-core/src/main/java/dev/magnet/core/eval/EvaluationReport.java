package dev.magnet.core.eval;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values an {@link Evaluator} computed, by stable name ({@link Metric#names()}, plus the
 * {@value Evaluator#FINE_PREFIX} variants for hierarchy recovery and
 * {@value Evaluator#EXCLUDED_QUERIES} for retrieval), in the order they were computed.
 *
 * @param values an unmodifiable name → value map
 */
public record EvaluationReport(Map<String, Double> values) {

  /** Copies the values, keeping their order. */
  public EvaluationReport {
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** The value of one metric name. */
  public double get(String name) {
    Double value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("metric must have been computed; name=" + name
          + ", computed=" + values.keySet());
    }
    return value;
  }
}
