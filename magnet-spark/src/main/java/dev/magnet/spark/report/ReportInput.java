package dev.magnet.spark.report;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one {@link HtmlReport} shows: a run's epochs (none for {@code evaluate}), its final
 * metrics, the model (parameters, network, provenance, label names and the cluster index whose
 * centroids are drawn) and a sample of embeddings to project.
 *
 * @param title the page's heading
 * @param epochs every epoch of the run, in order; empty when the report is of an evaluation
 * @param finalMetrics named final metrics, shown in their order
 * @param model the trained model
 * @param sample embeddings of the model's space, labelled with the model's classes
 * @param pictures sections of thumbnails, shown after the embedding space in their order
 */
public record ReportInput(String title, List<SparkEpochMetrics> epochs, Map<String, Double> finalMetrics,
    ModelArtifact model, EmbeddingSample sample, List<Pictures> pictures) {
  public ReportInput {
    pictures = List.copyOf(pictures);
    if (title == null || title.isBlank()) {
      throw new IllegalArgumentException("a report needs a title; title='" + title + "'");
    }
    epochs = List.copyOf(epochs);
    finalMetrics.forEach((name, value) -> Objects.requireNonNull(value, "final metric " + name + " is null"));
    finalMetrics = Collections.unmodifiableMap(new LinkedHashMap<>(finalMetrics));
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(sample, "sample");
    ClusterIndex index = model.index();
    ClusterIndex.checkDimension(index.dimension(), sample.dimension());
    int[] labels = sample.labels();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= index.numClasses()) {
        throw new IllegalArgumentException("sample labels must be classes of the model, in [0, " + index.numClasses()
            + "); row " + i + " has " + labels[i]);
      }
    }
  }

  /** A report without thumbnails. */
  public ReportInput(String title, List<SparkEpochMetrics> epochs, Map<String, Double> finalMetrics,
      ModelArtifact model, EmbeddingSample sample) {
    this(title, epochs, finalMetrics, model, sample, List.of());
  }

  /** The report of an evaluation: no epochs, the evaluation's metrics and its pictures. */
  public static ReportInput ofEvaluation(String title, Map<String, Double> metrics, ModelArtifact model,
      EmbeddingSample sample, List<Pictures> pictures) {
    return new ReportInput(title, List.of(), metrics, model, sample, pictures);
  }
}
