package dev.magnet.core.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.eval.EvaluationReport;
import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.LabelledEmbeddings;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The single-JVM demo: trains {@code fmnist-cnn} with the Magnet loss on generated images whose
 * classes hide sub-classes, evaluates it on held-out images (coarse and fine labels), and writes
 * the model and {@code metrics.json}. {@code ./spark-submit demo} runs it until the Spark job
 * takes over this command.
 */
public final class LocalDemo {
  private LocalDemo() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "out/demo");
    int classes = 5;
    int subclasses = 3;
    LabelledDataset all = SyntheticData.images(classes, subclasses, 240, 28, 2026);
    int trainSize = all.size() * 5 / 6;
    LabelledDataset train = all.subset(IntStream.range(0, trainSize).toArray());
    LabelledDataset test = all.subset(IntStream.range(trainSize, all.size()).toArray());
    MagnetParams params = MagnetParams.defaults().withClusters(subclasses, 8, 4).withEpochs(3);
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST);
    System.out.printf("magnet demo: %d training and %d test images, %d classes of %d hidden sub-classes each%n",
        train.size(), test.size(), classes, subclasses);

    List<EpochMetrics> epochs = new ArrayList<>();
    long start = System.nanoTime();
    ModelArtifact model = new LocalMagnetTrainer(params, spec).train(train, epochs::add).model();
    double trainSeconds = (System.nanoTime() - start) / 1e9;

    LabelledEmbeddings trainEmbeddings = new LabelledEmbeddings(model.embed(LocalMagnetTrainer.flat(train.features())), train.labels());
    LabelledEmbeddings testEmbeddings = new LabelledEmbeddings(model.embed(LocalMagnetTrainer.flat(test.features())), test.labels());
    ClusterClassifier classifier = new ClusterClassifier(model.index().centroidMatrix(), model.index().clusterClasses(),
        model.index().numClasses(), model.index().sigma2(), params.nearestClusters());
    EvaluationReport report = new Evaluator(EnumSet.allOf(Metric.class), params.seed())
        .evaluate(trainEmbeddings, testEmbeddings, classifier, train.fineLabels(), test.fineLabels());

    Files.createDirectories(out);
    Path modelDir = out.resolve("model");
    model.save(modelDir, true);
    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("trainSeconds", trainSeconds);
    metrics.put("epochs", epochs);
    metrics.put("test", report.values());
    Path metricsFile = out.resolve("metrics.json");
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(metricsFile.toFile(), metrics);

    System.out.printf("trained %d epochs in %.1f s; test metrics:%n", epochs.size(), trainSeconds);
    report.values().forEach((name, value) -> System.out.printf("  %-28s %.4f%n", name, value));
    System.out.println("model:   " + modelDir.toAbsolutePath());
    System.out.println("metrics: " + metricsFile.toAbsolutePath());
  }
}
