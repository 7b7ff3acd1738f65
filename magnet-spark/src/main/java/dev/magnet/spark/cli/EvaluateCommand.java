package dev.magnet.spark.cli;

import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.eval.EvaluationReport;
import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.LabelledEmbeddings;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.SparkDatasets;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.report.EmbeddingSample;
import dev.magnet.spark.report.HtmlReport;
import dev.magnet.spark.report.ReportInput;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code magnet evaluate}: embeds a data set with a saved model and prints the evaluation
 * metrics of DESIGN.md §2 (the cluster rule, retrieval, NMI; k-NN against {@code --train-data}
 * when given; the fine_ metrics when the examples carry fine labels; for a softmax model also
 * {@code argmax_accuracy}, its own output layer's prediction).
 *
 * <p>Embedding runs on the driver: the examples are collected there, which bounds the data sets
 * this command takes to what the driver holds (Fashion-MNIST's 70,000 images: 220 MB of floats).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
    description = "Evaluate a saved model on a data set and print the metrics.")
public final class EvaluateCommand implements Callable<Integer> {
  /** The Spark application name of a session this command starts. */
  static final String APP_NAME = "magnet evaluate";

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model directory.")
  String model;

  @Option(names = "--data", required = true, converter = DataSpec.Converter.class, paramLabel = "SOURCE",
      description = "Test data, in the forms of 'train --data', or fashion-mnist-test.")
  DataSpec data;

  @Option(names = "--train-data", converter = DataSpec.Converter.class, paramLabel = "SOURCE",
      description = "Training data for the k-NN accuracies (k-NN is skipped without it).")
  DataSpec trainData;

  @Option(names = "--fine-labels-from", paramLabel = "fashion-mnist|MAPFILE",
      description = "The model was trained on coarse labels: group the data's labels with this fine->coarse map"
          + " and report the fine_ metrics against the original ones.")
  String fineLabelsFrom;

  @Option(names = "--limit", paramLabel = "N", description = "Read at most N examples of each data set.")
  Integer limit;

  @Option(names = "--json", paramLabel = "PATH", description = "Also write the metrics here (metrics.json format).")
  String json;

  @Option(names = "--report", paramLabel = "DIR", description = "Also write an HTML report here: the metrics and a"
      + " PCA projection of (a sample of) the data's embeddings with the model's centroids. An earlier report in DIR"
      + " is replaced; anything else there is refused.")
  String reportDir;

  @Option(names = "--min-metric", paramLabel = "NAME=VALUE",
      description = "Fail with exit status " + ExitCodes.METRIC_GATE_FAILED + " unless metric NAME is at least VALUE;"
          + " repeatable.")
  Map<String, Double> minMetrics = new LinkedHashMap<>();

  /**
   * A data set's embeddings, its fine labels when every example has one (else null), and the
   * softmax head's predicted classes for a softmax model (else null).
   */
  private record Embedded(LabelledEmbeddings embeddings, int[] fineLabels, int[] argmax) {}

  @Override
  public Integer call() {
    MetricGates gates = TrainCommand.argument(() -> new MetricGates(minMetrics));
    int rows = TrainCommand.argument(() -> DataSpec.rowLimit(limit, data, trainData));
    PrintWriter out = spec.commandLine().getOut();
    try (SparkOptions.Session session = spark.session(APP_NAME)) {
      Configuration conf = session.spark().sparkContext().hadoopConfiguration();
      try {
        if (reportDir != null) {
          HtmlReport.checkTarget(reportDir, conf); // refuse a wrong path before the work, not after it
        }
      } catch (FileAlreadyExistsException e) {
        throw new CliException(ExitCodes.BAD_ARGUMENTS, "--report " + CliException.describe(e), e);
      } catch (IOException e) {
        throw new CliException(ExitCodes.BAD_INPUT, CliException.describe(e), e);
      }
      ModelArtifact artifact = TrainCommand.input(() -> HadoopModelDirectory.load(model, conf));
      Embedded test = TrainCommand.input(() -> embed(artifact, load(session.spark(), data, rows, artifact, conf)));
      Embedded train = trainData == null ? test
          : TrainCommand.input(() -> embed(artifact, load(session.spark(), trainData, rows, artifact, conf)));
      Set<Metric> metrics = EnumSet.allOf(Metric.class);
      if (trainData == null) {
        metrics.removeAll(EnumSet.of(Metric.KNN1_ACCURACY, Metric.KNN10_ACCURACY));
      }
      if (artifact.params().loss() != LossKind.SOFTMAX) {
        metrics.remove(Metric.ARGMAX_ACCURACY); // only softmax has an output layer of classes
      }
      ClusterClassifier classifier = new ClusterClassifier(artifact.index().centroidMatrix(),
          artifact.index().clusterClasses(), artifact.index().numClasses(), artifact.index().sigma2(),
          artifact.params().nearestClusters());
      EvaluationReport report = new Evaluator(metrics, artifact.params().seed())
          .evaluate(train.embeddings(), test.embeddings(), classifier, test.argmax(), train.fineLabels(),
              test.fineLabels());
      out.println(String.format(Locale.ROOT, "evaluated %d examples of %s%s", test.embeddings().labels().length,
          data, trainData == null ? "; k-NN accuracies skipped (they need --train-data)"
              : String.format(Locale.ROOT, " against %d training examples of %s",
                  train.embeddings().labels().length, trainData)));
      out.print(Summary.metrics(report.values()));
      if (json != null) {
        try {
          MetricsJson.write(json, conf, List.of(), report.values());
        } catch (IOException e) {
          throw new CliException(ExitCodes.BAD_INPUT, "cannot write " + json + ": " + CliException.describe(e), e);
        }
      }
      if (reportDir != null) {
        LabelledEmbeddings embedded = test.embeddings();
        EmbeddingSample sample = EmbeddingSample.draw(Matrices.toFloatRows(embedded.embeddings()), embedded.labels(),
            EmbeddingSample.MAX_POINTS, artifact.params().seed(), data.toString());
        ReportInput input = ReportInput.ofEvaluation("Magnet evaluation of " + model + " on " + data, report.values(),
            artifact, sample);
        TrainCommand.input(() -> HtmlReport.write(input, reportDir, conf));
        out.println("report: " + new Path(reportDir, HtmlReport.INDEX));
      }
      List<String> failures = gates.failures(report.values());
      if (!failures.isEmpty()) {
        throw new CliException(ExitCodes.METRIC_GATE_FAILED, "metric gate failed: " + String.join("; ", failures));
      }
      return ExitCodes.SUCCESS;
    }
  }

  /**
   * The data set, grouped into coarse classes when --fine-labels-from is given; synthetic data is
   * generated with the model's seed, so that it has the training data's hidden sub-classes.
   */
  private SparkDataset load(SparkSession session, DataSpec source, int rows, ModelArtifact artifact, Configuration conf)
      throws IOException {
    // With a hierarchy the data's own labels are the fine ones, which the model does not name.
    List<String> names = fineLabelsFrom == null ? artifact.labelNames() : null;
    SparkDataset dataset = source.load(session, rows, artifact.params().seed(), names).dataset();
    if (fineLabelsFrom != null) {
      HierarchyOption hierarchy = HierarchyOption.load(fineLabelsFrom, conf);
      dataset = SparkDatasets.withCoarseLabels(dataset, hierarchy.map(), hierarchy.coarseNames());
    }
    if (dataset.numClasses() != artifact.labelNames().size()) {
      throw new IllegalArgumentException("data must have the model's classes; model=" + artifact.labelNames().size()
          + " classes, data=" + dataset.numClasses() + " classes (" + source + ")");
    }
    return dataset;
  }

  /** Embeds the examples on the driver, in id order. */
  private static Embedded embed(ModelArtifact artifact, SparkDataset dataset) {
    List<Example> examples = dataset.examples().collect().stream().sorted(Comparator.comparingLong(Example::id)).toList();
    int size = (int) dataset.inputShape().size();
    float[] features = new float[examples.size() * size];
    int[] labels = new int[examples.size()];
    int[] fine = new int[examples.size()];
    for (int i = 0; i < labels.length; i++) {
      Example e = examples.get(i);
      e.decodeInto(features, i * size);
      labels[i] = e.label();
      fine[i] = e.fineLabel();
    }
    INDArray input = Matrices.fromFloats(features, labels.length, size);
    LabelledEmbeddings embeddings = new LabelledEmbeddings(artifact.embed(input), labels);
    int[] argmax = artifact.params().loss() == LossKind.SOFTMAX ? artifact.predictClasses(input) : null;
    return new Embedded(embeddings, Arrays.stream(fine).allMatch(f -> f >= 0) ? fine : null, argmax);
  }
}
