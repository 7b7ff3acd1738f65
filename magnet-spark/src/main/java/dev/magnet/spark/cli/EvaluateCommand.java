package dev.magnet.spark.cli;

import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.evaluate.EvaluateArgs;
import dev.magnet.spark.evaluate.EvaluateRequest;
import dev.magnet.spark.evaluate.EvaluationJob;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code magnet evaluate}: the options of an {@link EvaluateRequest}, run by {@link EvaluationJob}. */
@Command(name = EvaluateArgs.COMMAND,
    description = "Evaluate a saved model on a data set and print the metrics.")
public final class EvaluateCommand extends SparkCommand {
  @Option(names = EvaluateArgs.MODEL, required = true, paramLabel = "DIR", description = "The model directory.")
  String model;

  @Option(names = EvaluateArgs.DATA, required = true, converter = Converters.Data.class, paramLabel = "SOURCE",
      description = "Test data, in the forms of 'train --data', or fashion-mnist-test; image files are made inputs as"
          + " the model's training made them (size, channels, resize: its metadata.json).")
  DataSource data;

  @Option(names = EvaluateArgs.TRAIN_DATA, converter = Converters.Data.class, paramLabel = "SOURCE",
      description = "Training data for the k-NN accuracies (k-NN is skipped without it).")
  DataSource trainData;

  @Option(names = EvaluateArgs.FINE_LABELS_FROM, paramLabel = "fashion-mnist|MAPFILE",
      description = "The model was trained on coarse labels: group the data's labels with this fine->coarse map"
          + " and report the fine_ metrics against the original ones.")
  String fineLabelsFrom;

  @Option(names = EvaluateArgs.LIMIT, paramLabel = "N", description = "Read at most N examples of each data set.")
  Integer limit;

  @Option(names = EvaluateArgs.LABELS, paramLabel = "CSV",
      description = "The classes of image folders' files, as 'train --labels' (a CSV with the header path,label).")
  String labels;

  @Option(names = EvaluateArgs.JSON, paramLabel = "PATH", description = "Also write the metrics here (metrics.json"
      + " format).")
  String json;

  @Option(names = EvaluateArgs.REPORT, paramLabel = "DIR", description = "Also write an HTML report here: the metrics"
      + " and a PCA projection of (a sample of) the data's embeddings with the model's centroids. An earlier report in"
      + " DIR is replaced; anything else there is refused.")
  String reportDir;

  @Option(names = EvaluateArgs.MIN_METRIC, paramLabel = "NAME=VALUE",
      description = "Fail with exit status " + ExitCodes.METRIC_GATE_FAILED + " unless metric NAME is at least VALUE;"
          + " repeatable.")
  Map<String, Double> minMetrics = new LinkedHashMap<>();

  @Option(names = EvaluateArgs.DRIVER_BUDGET, paramLabel = "N", defaultValue = "" + EvaluateRequest.DEFAULT_DRIVER_BUDGET,
      description = "Evaluate on the driver up to N examples (test and training together); beyond that on the executors"
          + " with the exact distributed search (same k-NN and retrieval metrics, no NMI or argmax accuracy);"
          + " default: ${DEFAULT-VALUE}.")
  long driverBudget;

  /** The request the options state. */
  EvaluateRequest request() {
    return new EvaluateRequest(model, data, trainData, fineLabelsFrom, limit, json, reportDir, minMetrics,
        driverBudget, labels).check();
  }

  @Override
  public Integer call() {
    EvaluateRequest request = JobException.argument(this::request);
    try (SparkOptions.Session session = spark.session("magnet " + EvaluateArgs.COMMAND)) {
      return new EvaluationJob(session.spark(), spark.out()).run(request);
    }
  }
}
