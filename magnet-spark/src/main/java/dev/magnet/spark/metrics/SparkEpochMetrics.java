package dev.magnet.spark.metrics;

import java.util.Map;

/**
 * One epoch of the Spark job: the training loss, where the time went, and held-out metrics.
 *
 * @param epoch 1-based
 * @param loss mean training loss of the epoch's batches
 * @param batches mini-batches fitted
 * @param embedSeconds embedding the training set on the executors
 * @param indexSeconds K-means, assignment, σ² and cluster losses
 * @param planSeconds sampling the neighbourhoods on the driver
 * @param materialiseSeconds member sampling, the shuffle and building the batches
 * @param fitSeconds parameter-averaged fitting
 * @param examplesPerSecond training examples fitted per second of the whole epoch
 * @param validation held-out metrics (empty without a validation set)
 * @param averagingSeconds the part of {@code fitSeconds} spent outside the workers' mini-batch
 *     updates: broadcasting the parameters, rebuilding each worker's network, scheduling the
 *     averaging rounds, collecting and averaging parameters and updater state ({@code fitSeconds}
 *     minus the workers' update time divided by the tasks that ran at once); 0 in metrics
 *     written before it was recorded, and with gradient sharing, which has no rounds to time
 * @param averaging the averaging rounds' costs by part, or null where not measured (gradient sharing)
 */
public record SparkEpochMetrics(int epoch, double loss, int batches, double embedSeconds, double indexSeconds,
    double planSeconds, double materialiseSeconds, double fitSeconds, double examplesPerSecond,
    Map<String, Double> validation, double averagingSeconds, AveragingCost averaging) {
  public SparkEpochMetrics {
    validation = Map.copyOf(validation);
  }

  /** An epoch whose averaging rounds were not broken down. */
  public SparkEpochMetrics(int epoch, double loss, int batches, double embedSeconds, double indexSeconds,
      double planSeconds, double materialiseSeconds, double fitSeconds, double examplesPerSecond,
      Map<String, Double> validation, double averagingSeconds) {
    this(epoch, loss, batches, embedSeconds, indexSeconds, planSeconds, materialiseSeconds, fitSeconds,
        examplesPerSecond, validation, averagingSeconds, null);
  }

  /** An epoch whose averaging time was not measured. */
  public SparkEpochMetrics(int epoch, double loss, int batches, double embedSeconds, double indexSeconds,
      double planSeconds, double materialiseSeconds, double fitSeconds, double examplesPerSecond,
      Map<String, Double> validation) {
    this(epoch, loss, batches, embedSeconds, indexSeconds, planSeconds, materialiseSeconds, fitSeconds,
        examplesPerSecond, validation, 0.0);
  }

  public double totalSeconds() {
    return embedSeconds + indexSeconds + planSeconds + materialiseSeconds + fitSeconds;
  }
}
