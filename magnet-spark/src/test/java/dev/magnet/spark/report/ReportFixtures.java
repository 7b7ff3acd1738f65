package dev.magnet.spark.report;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A small synthetic run for the report tests: the tiny model, epochs that improve, a sample around its centroids. */
final class ReportFixtures {
  private ReportFixtures() {}

  /** {@code count} epochs whose loss falls and whose held-out accuracies rise. */
  static List<SparkEpochMetrics> epochs(int count) {
    List<SparkEpochMetrics> epochs = new ArrayList<>();
    for (int e = 1; e <= count; e++) {
      Map<String, Double> validation = new LinkedHashMap<>();
      validation.put("knn1_accuracy", 0.5 + 0.1 * e);
      validation.put("cluster_accuracy", 0.45 + 0.1 * e);
      validation.put("map_at_r", 0.2 + 0.05 * e);
      epochs.add(new SparkEpochMetrics(e, 2.0 / e, 10, 0.4, 0.8 + 0.1 * e, 0.05, 0.6, 2.5, 480, validation));
    }
    return epochs;
  }

  /** {@code size} embeddings scattered around the tiny model's four centroids, labelled with their class. */
  static EmbeddingSample sample(ModelArtifact model, int size) {
    SplittableRandom random = new SplittableRandom(11);
    float[][] embeddings = new float[size][];
    int[] labels = new int[size];
    for (int i = 0; i < size; i++) {
      int cluster = i % model.index().numClusters();
      double[] centroid = model.index().centroid(cluster);
      embeddings[i] = new float[centroid.length];
      for (int j = 0; j < centroid.length; j++) {
        embeddings[i][j] = (float) (centroid[j] + 0.15 * (random.nextDouble() - 0.5));
      }
      labels[i] = model.index().clusterClass(cluster);
    }
    return new EmbeddingSample(embeddings, labels, size + " synthetic test points");
  }

  /** A training run's report input: {@code epochs} epochs and the last one's metrics. */
  static ReportInput training(int epochs) {
    ModelArtifact model = TestModels.tiny();
    List<SparkEpochMetrics> history = epochs(epochs);
    return new ReportInput("Synthetic <run> & test", history, history.get(history.size() - 1).validation(), model,
        sample(model, 400));
  }
}
