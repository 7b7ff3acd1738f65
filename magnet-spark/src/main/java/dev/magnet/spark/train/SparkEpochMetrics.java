package dev.magnet.spark.train;

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
 */
public record SparkEpochMetrics(int epoch, double loss, int batches, double embedSeconds, double indexSeconds,
    double planSeconds, double materialiseSeconds, double fitSeconds, double examplesPerSecond,
    Map<String, Double> validation) {
  public SparkEpochMetrics {
    validation = Map.copyOf(validation);
  }

  public double totalSeconds() {
    return embedSeconds + indexSeconds + planSeconds + materialiseSeconds + fitSeconds;
  }
}
