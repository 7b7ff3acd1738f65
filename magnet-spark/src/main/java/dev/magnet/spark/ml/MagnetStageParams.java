package dev.magnet.spark.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The params shared by {@link MagnetEstimator} and {@link MagnetModel}, as Spark's {@code KMeansParams}
 * is shared by {@code KMeans} and {@code KMeansModel}: the fitted model carries the exact
 * configuration that produced it. Each param has an accessor (found by Spark's reflective
 * {@code params}) and a getter; their definitions (doc, validator, default) are in
 * {@link MagnetParamDefinitions}, stated once. The setters are on the stages, typed for chaining.
 *
 * <p>A Java interface cannot hold the Param objects as Spark's Scala traits do, so each stage holds
 * one {@link MagnetParamDefinitions} and returns it from {@link #magnetParamDefinitions()}.
 * Names follow {@link dev.magnet.core.params.MagnetParams}: {@code clustersPerClass} is the paper's
 * K, {@code clustersPerBatch} M, {@code examplesPerCluster} D, {@code nearestClusters} L.
 */
public interface MagnetStageParams extends Params {
  /** The Param objects of this stage. */
  MagnetParamDefinitions magnetParamDefinitions();

  default Param<String> loss() {
    return magnetParamDefinitions().loss;
  }

  default String getLoss() {
    return getOrDefault(loss());
  }

  default IntParam clustersPerClass() {
    return magnetParamDefinitions().clustersPerClass;
  }

  default int getClustersPerClass() {
    return (Integer) getOrDefault(clustersPerClass());
  }

  default IntParam clustersPerBatch() {
    return magnetParamDefinitions().clustersPerBatch;
  }

  default int getClustersPerBatch() {
    return (Integer) getOrDefault(clustersPerBatch());
  }

  default IntParam examplesPerCluster() {
    return magnetParamDefinitions().examplesPerCluster;
  }

  default int getExamplesPerCluster() {
    return (Integer) getOrDefault(examplesPerCluster());
  }

  default DoubleParam alpha() {
    return magnetParamDefinitions().alpha;
  }

  default double getAlpha() {
    return (Double) getOrDefault(alpha());
  }

  default IntParam nearestClusters() {
    return magnetParamDefinitions().nearestClusters;
  }

  default int getNearestClusters() {
    return (Integer) getOrDefault(nearestClusters());
  }

  default IntParam refreshEveryBatches() {
    return magnetParamDefinitions().refreshEveryBatches;
  }

  default int getRefreshEveryBatches() {
    return (Integer) getOrDefault(refreshEveryBatches());
  }

  default IntParam refreshesPerEpoch() {
    return magnetParamDefinitions().refreshesPerEpoch;
  }

  default int getRefreshesPerEpoch() {
    return (Integer) getOrDefault(refreshesPerEpoch());
  }

  default IntParam epochs() {
    return magnetParamDefinitions().epochs;
  }

  default int getEpochs() {
    return (Integer) getOrDefault(epochs());
  }

  default IntParam batchesPerEpoch() {
    return magnetParamDefinitions().batchesPerEpoch;
  }

  default int getBatchesPerEpoch() {
    return (Integer) getOrDefault(batchesPerEpoch());
  }

  default DoubleParam tripletMargin() {
    return magnetParamDefinitions().tripletMargin;
  }

  default double getTripletMargin() {
    return (Double) getOrDefault(tripletMargin());
  }

  default IntParam kmeansIterations() {
    return magnetParamDefinitions().kmeansIterations;
  }

  default int getKmeansIterations() {
    return (Integer) getOrDefault(kmeansIterations());
  }

  default LongParam seed() {
    return magnetParamDefinitions().seed;
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default Param<String> network() {
    return magnetParamDefinitions().network;
  }

  default String getNetwork() {
    return getOrDefault(network());
  }

  default Param<String> augment() {
    return magnetParamDefinitions().augment;
  }

  default String getAugment() {
    return getOrDefault(augment());
  }

  default IntParam embeddingDim() {
    return magnetParamDefinitions().embeddingDim;
  }

  default int getEmbeddingDim() {
    return (Integer) getOrDefault(embeddingDim());
  }

  default IntArrayParam hiddenSizes() {
    return magnetParamDefinitions().hiddenSizes;
  }

  default int[] getHiddenSizes() {
    return getOrDefault(hiddenSizes());
  }

  default DoubleParam learningRate() {
    return magnetParamDefinitions().learningRate;
  }

  default double getLearningRate() {
    return (Double) getOrDefault(learningRate());
  }

  default IntArrayParam inputShape() {
    return magnetParamDefinitions().inputShape;
  }

  default int[] getInputShape() {
    return getOrDefault(inputShape());
  }

  default IntParam averagingFrequency() {
    return magnetParamDefinitions().averagingFrequency;
  }

  default int getAveragingFrequency() {
    return (Integer) getOrDefault(averagingFrequency());
  }

  default Param<String> trainingMaster() {
    return magnetParamDefinitions().trainingMaster;
  }

  default String getTrainingMaster() {
    return getOrDefault(trainingMaster());
  }

  default IntParam averagingLag() {
    return magnetParamDefinitions().averagingLag;
  }

  default int getAveragingLag() {
    return (Integer) getOrDefault(averagingLag());
  }

  default IntParam workers() {
    return magnetParamDefinitions().workers;
  }

  default int getWorkers() {
    return (Integer) getOrDefault(workers());
  }

  default Param<String> featuresCol() {
    return magnetParamDefinitions().featuresCol;
  }

  default String getFeaturesCol() {
    return getOrDefault(featuresCol());
  }

  default Param<String> labelCol() {
    return magnetParamDefinitions().labelCol;
  }

  default String getLabelCol() {
    return getOrDefault(labelCol());
  }

  default Param<String> embeddingCol() {
    return magnetParamDefinitions().embeddingCol;
  }

  default String getEmbeddingCol() {
    return getOrDefault(embeddingCol());
  }

  default Param<String> predictionCol() {
    return magnetParamDefinitions().predictionCol;
  }

  default String getPredictionCol() {
    return getOrDefault(predictionCol());
  }

  default Param<String> probabilityCol() {
    return magnetParamDefinitions().probabilityCol;
  }

  default String getProbabilityCol() {
    return getOrDefault(probabilityCol());
  }

  default Param<String> clusterCol() {
    return magnetParamDefinitions().clusterCol;
  }

  default String getClusterCol() {
    return getOrDefault(clusterCol());
  }
}
