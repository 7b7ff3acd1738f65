package dev.magnet.core.train;

/**
 * What one epoch did and where its time went.
 *
 * @param epoch 1-based
 * @param meanLoss mean training loss over the epoch's batches
 * @param batches mini-batches fitted
 * @param embedSeconds forward passes over the training set for the index
 * @param indexSeconds K-means, σ² and cluster losses
 * @param planSeconds sampling the neighbourhoods and gathering their examples
 * @param fitSeconds fitting the network
 * @param examplesPerSecond training examples fitted per second of fitting
 */
public record EpochMetrics(
    int epoch,
    double meanLoss,
    int batches,
    double embedSeconds,
    double indexSeconds,
    double planSeconds,
    double fitSeconds,
    double examplesPerSecond) {}
