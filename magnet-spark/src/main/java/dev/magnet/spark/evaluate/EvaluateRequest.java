package dev.magnet.spark.evaluate;

import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.metrics.MetricGates;
import dev.magnet.spark.util.Arguments;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code evaluate} run as typed values (see {@code TrainRequest}).
 *
 * @param model the model directory
 * @param data the test data
 * @param trainData the training data the k-NN accuracies search, or null to skip them
 * @param fineLabelsFrom a fine-to-coarse map: the model was trained on coarse labels and the fine
 *     metrics are reported against the data's own labels; or null
 * @param limit examples read of each data set, or null for all
 * @param json where the metrics also go (metrics.json format), or null
 * @param reportDir where an HTML report goes, or null
 * @param minMetrics gates: metric NAME must be at least VALUE
 * @param driverBudget the most examples (test and training together) evaluated on the driver;
 *     beyond it the evaluation runs on the executors with the exact distributed search
 */
public record EvaluateRequest(String model, DataSource data, DataSource trainData, String fineLabelsFrom,
    Integer limit, String json, String reportDir, Map<String, Double> minMetrics, long driverBudget) {
  /**
   * Examples the driver evaluates at most by default: Fashion-MNIST's 70,000 and a few times more
   * fit the default 3 GB heap (raw images, their floats and the embeddings).
   */
  public static final long DEFAULT_DRIVER_BUDGET = 200_000;

  public EvaluateRequest {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(data, "data");
    minMetrics = minMetrics == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(minMetrics));
  }

  /** The rules that need no data: the limit applies to the sources given, the gates name known metrics. */
  public EvaluateRequest check() {
    if (driverBudget < 0) {
      throw new IllegalArgumentException("driver-budget must be >= 0; driver-budget=" + driverBudget);
    }
    DataSource.rowLimit(limit, data, trainData);
    new MetricGates(minMetrics);
    return this;
  }

  /** The gates of {@code minMetrics}. */
  public MetricGates gates() {
    return new MetricGates(minMetrics);
  }

  /** The command line of this run, the command's name first; parsing it gives this request back. */
  public List<String> toArgs() {
    Arguments args = new Arguments(EvaluateArgs.COMMAND).option(EvaluateArgs.MODEL, model)
        .option(EvaluateArgs.DATA, data).option(EvaluateArgs.TRAIN_DATA, trainData)
        .option(EvaluateArgs.FINE_LABELS_FROM, fineLabelsFrom).option(EvaluateArgs.LIMIT, limit)
        .option(EvaluateArgs.JSON, json).option(EvaluateArgs.REPORT, reportDir)
        .changed(EvaluateArgs.DRIVER_BUDGET, driverBudget, DEFAULT_DRIVER_BUDGET);
    minMetrics.forEach((name, value) -> args.option(EvaluateArgs.MIN_METRIC, name + "=" + Arguments.plain(value)));
    return args.words();
  }
}
