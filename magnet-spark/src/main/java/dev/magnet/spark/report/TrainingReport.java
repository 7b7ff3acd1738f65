package dev.magnet.spark.report;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/** The HTML report of a training run, in {@code <model>/}{@value #DIRECTORY}. */
public final class TrainingReport {
  /** The report's directory inside the model directory. */
  public static final String DIRECTORY = "report";

  private TrainingReport() {}

  /**
   * Writes the report: the run's epochs and final metrics, a projection of up to
   * {@link EmbeddingSample#MAX_POINTS} embeddings sampled from {@code sampled}, and the
   * {@link ClusterExemplars} of the training data {@code train}.
   *
   * @param heldOut whether {@code sampled} is the validation set (else the training set)
   * @return the page's path
   */
  public static String write(ModelArtifact model, List<SparkEpochMetrics> epochs, Map<String, Double> finalMetrics,
      SparkDataset sampled, boolean heldOut, SparkDataset train, MagnetParams params, String modelDir,
      Configuration conf) throws IOException {
    EmbeddingSample sample = EmbeddingSample.embed(sampled, model, EmbeddingSample.MAX_POINTS, params.seed(),
        heldOut ? "the validation set" : "the training set");
    String title = "Magnet training: " + EnumSpelling.of(params.loss()) + " loss, " + epochs.size() + " epochs";
    Path report = new Path(modelDir, DIRECTORY);
    Pictures exemplars = ClusterExemplars.of(model, train, params.seed());
    HtmlReport.write(new ReportInput(title, epochs, finalMetrics, model, sample, List.of(exemplars)),
        report.toString(), conf);
    return new Path(report, HtmlReport.INDEX).toString();
  }
}
