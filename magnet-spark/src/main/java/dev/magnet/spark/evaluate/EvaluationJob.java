package dev.magnet.spark.evaluate;

import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.eval.EvaluationReport;
import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.LabelledEmbeddings;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.objective.Objective;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.Hierarchy;
import dev.magnet.spark.data.ImageLoading;
import dev.magnet.spark.data.LoadReport;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.SparkDatasets;
import dev.magnet.spark.data.image.ImageDecoder;
import dev.magnet.spark.executor.ExampleEmbeddings;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.metrics.MetricGates;
import dev.magnet.spark.report.EmbeddingSample;
import dev.magnet.spark.report.HtmlReport;
import dev.magnet.spark.report.Pictures;
import dev.magnet.spark.report.ReportInput;
import dev.magnet.spark.report.RetrievalGallery;
import dev.magnet.spark.report.TextSummary;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code evaluate} job: embeds a data set with a saved model and reports the evaluation
 * metrics (docs/design.md, "Evaluation"): the cluster rule, retrieval, NMI; k-NN against the
 * training data when given; the fine_ metrics when the examples carry fine labels; for a model
 * whose output layer predicts classes also {@code argmax_accuracy}.
 *
 * <p>The examples are embedded on the executors by the one batch routine and their embeddings
 * (n · E floats) collected; up to {@code --driver-budget} examples the metrics are computed on the
 * driver, beyond it on the executors ({@link DistributedEvaluation}). A softmax model's own
 * predictions come from its head applied to the collected embeddings.
 */
public final class EvaluationJob extends SparkJob {
  /** Rejected image files listed by name; the rest are counted. */
  static final int MAX_REJECTS_LISTED = 20;

  public EvaluationJob(SparkSession session, PrintWriter out) {
    super(session, out);
  }

  /**
   * A data set's embeddings, in id order with their ids, its fine labels when every example has
   * one (else null), and the classes the model's output layer predicts, for a model that has one
   * (else null).
   */
  record Embeddings(long[] ids, LabelledEmbeddings embeddings, int[] fineLabels, int[] argmax) {}

  /** Runs one request; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run(EvaluateRequest request) {
    JobException.argument(request::check);
    MetricGates gates = request.gates();
    int rows = DataSource.rowLimit(request.limit(), request.data(), request.trainData());
    if (request.reportDir() != null) {
      try {
        HtmlReport.checkTarget(request.reportDir(), conf); // refuse a wrong path before the work, not after it
      } catch (FileAlreadyExistsException e) {
        throw new JobException(ExitCodes.BAD_ARGUMENTS, EvaluateArgs.REPORT + " " + JobException.describe(e), e);
      } catch (IOException e) {
        throw new JobException(ExitCodes.BAD_INPUT, JobException.describe(e), e);
      }
    }
    ModelArtifact artifact = JobException.input(() -> HadoopModelDirectory.load(request.model(), conf));
    Objective objective = Objective.of(artifact.params());
    SparkDataset testData = JobException.input(() -> load(request, request.data(), rows, artifact, conf));
    SparkDataset trainData = request.trainData() == null ? null
        : JobException.input(() -> load(request, request.trainData(), rows, artifact, conf));
    Set<Metric> metrics = EnumSet.allOf(Metric.class);
    if (request.trainData() == null) {
      metrics.removeAll(EnumSet.of(Metric.KNN1_ACCURACY, Metric.KNN10_ACCURACY));
    }
    if (!objective.predictsClasses()) {
      metrics.remove(Metric.ARGMAX_ACCURACY);
    }
    long examples = JobException.input(() -> testData.examples().count()
        + (trainData == null ? 0 : trainData.examples().count()));
    if (examples > request.driverBudget()) {
      return runDistributed(request, artifact, testData, trainData, metrics, examples, gates);
    }
    Embeddings test = JobException.input(() -> embed(artifact, testData));
    Embeddings train = trainData == null ? test : JobException.input(() -> embed(artifact, trainData));
    ClusterClassifier classifier = new ClusterClassifier(artifact.index().centroidMatrix(),
        artifact.index().clusterClasses(), artifact.index().numClasses(), artifact.index().sigma2(),
        artifact.params().nearestClusters());
    EvaluationReport report = new Evaluator(metrics, artifact.params().seed())
        .evaluate(train.embeddings(), test.embeddings(), classifier, test.argmax(), train.fineLabels(),
            test.fineLabels());
    out.println(String.format(Locale.ROOT, "evaluated %d examples of %s%s", test.embeddings().labels().length,
        request.data(), request.trainData() == null ? "; k-NN accuracies skipped (they need "
            + EvaluateArgs.TRAIN_DATA + ")" : String.format(Locale.ROOT, " against %d training examples of %s",
                train.embeddings().labels().length, request.trainData())));
    out.print(TextSummary.metrics(report.values()));
    writeJson(request, report.values());
    if (request.reportDir() != null) {
      LabelledEmbeddings embedded = test.embeddings();
      EmbeddingSample sample = EmbeddingSample.draw(Matrices.toFloatRows(embedded.embeddings()), embedded.labels(),
          EmbeddingSample.MAX_POINTS, artifact.params().seed(), request.data().toString());
      Pictures gallery = JobException.input(() -> RetrievalGallery.of(testData, test.ids(), embedded.embeddings(),
          embedded.labels(), trainData, train.ids(), train.embeddings().embeddings(), train.embeddings().labels(),
          artifact.labelNames(), artifact.params().seed()));
      if (gallery.files().isEmpty()) {
        out.println("report: no pictures: the examples of " + request.data() + " are vectors ("
            + testData.inputShape() + "), not images");
      }
      ReportInput input = ReportInput.ofEvaluation("Magnet evaluation of " + request.model() + " on " + request.data(),
          report.values(), artifact, sample, List.of(gallery));
      JobException.input(() -> HtmlReport.write(input, request.reportDir(), conf));
      out.println("report: " + new Path(request.reportDir(), HtmlReport.INDEX));
    }
    return gated(gates, report.values());
  }

  /**
   * Beyond the driver budget: the evaluation on the executors ({@link DistributedEvaluation}); the
   * metrics are printed, written and gated as on the driver's path.
   */
  private int runDistributed(EvaluateRequest request, ModelArtifact artifact, SparkDataset testData,
      SparkDataset trainData, Set<Metric> metrics, long examples, MetricGates gates) {
    Set<Metric> computed = EnumSet.copyOf(metrics);
    computed.removeAll(EnumSet.of(Metric.NMI, Metric.ARGMAX_ACCURACY));
    Map<String, Double> values = JobException.input(() -> DistributedEvaluation.evaluate(spark, artifact,
        testData, trainData, computed));
    out.println(String.format(Locale.ROOT, "evaluated %d examples of %s%s on the executors (%d examples exceed the"
        + " driver budget of %d; NMI and argmax accuracy are computed on the driver's path only)",
        testData.examples().count(), request.data(), trainData == null ? "" : " against the training examples of "
            + request.trainData(), examples, request.driverBudget()));
    out.print(TextSummary.metrics(values));
    writeJson(request, values);
    if (request.reportDir() != null) {
      out.println("report: not written: its projection needs the embeddings on the driver (raise "
          + EvaluateArgs.DRIVER_BUDGET + " to write it)");
    }
    return gated(gates, values);
  }

  /** Writes the metrics to {@code --json} when it is given (metrics.json format). */
  private void writeJson(EvaluateRequest request, Map<String, Double> values) {
    if (request.json() != null) {
      try {
        MetricsJson.write(request.json(), conf, List.of(), values);
      } catch (IOException e) {
        throw new JobException(ExitCodes.BAD_INPUT, "cannot write " + request.json() + ": " + JobException.describe(e),
            e);
      }
    }
  }

  /** Success when the metrics meet every gate; else the failure naming each one they miss. */
  private static int gated(MetricGates gates, Map<String, Double> values) {
    List<String> failures = gates.failures(values);
    if (!failures.isEmpty()) {
      throw new JobException(ExitCodes.METRIC_GATE_FAILED, "metric gate failed: " + String.join("; ", failures));
    }
    return ExitCodes.SUCCESS;
  }

  /**
   * The data set, grouped into coarse classes when a fine-to-coarse map is given; synthetic data is
   * generated with the model's seed, so that it has the training data's hidden sub-classes.
   */
  SparkDataset load(EvaluateRequest request, DataSource source, int rows, ModelArtifact artifact,
      Configuration conf) throws IOException {
    // With a hierarchy the data's own labels are the fine ones, which the model does not name.
    List<String> names = request.fineLabelsFrom() == null ? artifact.labelNames() : null;
    if (source.kind() == DataSource.Kind.IMAGES) {
      ImageDecoder.checkModel(artifact.preprocessing(), artifact.networkSpec().input());
    }
    LoadReport loaded = source.load(session, rows, artifact.params().seed(), names, ImageLoading.as(
        artifact.preprocessing(), source.kind() == DataSource.Kind.IMAGES ? request.labels() : null));
    if (loaded.images() != null) {
      out.println(TextSummary.imageLine(source.toString(), loaded.images(), loaded.dataset().inputShape()));
      loaded.images().rejects().stream().limit(MAX_REJECTS_LISTED).forEach(r -> out.println("  rejected " + r));
      if (loaded.images().rejected() > MAX_REJECTS_LISTED) {
        out.println("  ... and " + (loaded.images().rejected() - MAX_REJECTS_LISTED) + " more");
      }
    }
    SparkDataset dataset = loaded.dataset();
    if (dataset.inputShape().size() != artifact.networkSpec().input().size()) {
      throw new IllegalArgumentException("data must have the model's input shape; model="
          + artifact.networkSpec().input() + ", data=" + dataset.inputShape() + " (" + source + ")");
    }
    if (request.fineLabelsFrom() != null) {
      Hierarchy hierarchy = Hierarchy.load(request.fineLabelsFrom(), conf);
      dataset = SparkDatasets.withCoarseLabels(dataset, hierarchy.map(), hierarchy.coarseNames());
    }
    if (dataset.numClasses() != artifact.labelNames().size()) {
      throw new IllegalArgumentException("data must have the model's classes; model=" + artifact.labelNames().size()
          + " classes, data=" + dataset.numClasses() + " classes (" + source + ")");
    }
    return dataset;
  }

  /** Embeds the examples on the executors ({@link ExampleEmbeddings}) and collects them, in id order. */
  Embeddings embed(ModelArtifact artifact, SparkDataset dataset) {
    ExampleEmbeddings.Collected collected = ExampleEmbeddings.collect(spark, dataset.examples(), dataset.inputShape(),
        artifact.network()).sortedById();
    int[] argmax = Objective.of(artifact.params()).predictsClasses()
        ? artifact.predictClassesOfEmbeddings(collected.embeddings()) : null;
    return new Embeddings(collected.ids(), new LabelledEmbeddings(collected.embeddings(), collected.labels()),
        collected.fineLabels(), argmax);
  }
}
