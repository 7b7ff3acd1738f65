package dev.magnet.spark.experiment;

import dev.magnet.core.eval.Metric;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run produced: its training's epochs (from its metrics.json), its evaluation (from
 * evaluate's JSON; empty when the experiment does not evaluate) and how long each took.
 *
 * @param run the run
 * @param trainArgs its train command line (after {@code ./spark-submit})
 * @param evaluateArgs its evaluate command line; empty for none
 * @param started when its training began
 * @param finished when its evaluation (or training) ended
 * @param trainSeconds wall time of the train command: loading, every epoch, the final index, saving
 * @param evaluateSeconds wall time of the evaluate command; 0 for none
 * @param epochs every epoch's metrics, with the held-out ones
 * @param evaluation the evaluation's values by name
 */
public record RunResult(RunSpec run, List<String> trainArgs, List<String> evaluateArgs, Instant started,
    Instant finished, double trainSeconds, double evaluateSeconds, List<SparkEpochMetrics> epochs,
    Map<String, Double> evaluation) {
  public RunResult {
    trainArgs = List.copyOf(trainArgs);
    evaluateArgs = List.copyOf(evaluateArgs);
    epochs = List.copyOf(epochs);
    evaluation = Collections.unmodifiableMap(new LinkedHashMap<>(evaluation));
  }

  /**
   * The held-out error after each epoch against iterations, by the experiment's curve metric (a
   * pre-training run, on labels of its own, by its 1-NN error).
   */
  public ErrorCurve curve(Experiment experiment) {
    return ErrorCurve.of(epochs, run.auxiliary() ? Metric.KNN1_ACCURACY.key() : experiment.curveMetric());
  }

  /** The sum of the epochs' phases (embed, index, plan, materialise, fit), the figure docs/results.md called "train s". */
  public double epochSeconds() {
    return epochs.stream().mapToDouble(SparkEpochMetrics::totalSeconds).sum();
  }

  /** 1 − the accuracy of the run's own classifier (its loss's prediction rule); null when not evaluated. */
  Double ownClassifierError() {
    return error(run.objective().classifier().metric().key());
  }

  /** 1 − an evaluation accuracy; null when the evaluation has no such value. */
  Double error(String accuracyMetric) {
    Double accuracy = evaluation.get(accuracyMetric);
    return accuracy == null ? null : 1 - accuracy;
  }
}
