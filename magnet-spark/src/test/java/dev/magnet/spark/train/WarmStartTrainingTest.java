package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Retraining from a published model on Spark: a warm start reaches the cold run's loss target in
 * fewer epochs on the same data, and a class the model never saw is clustered and classified.
 */
class WarmStartTrainingTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  /** Examples {@code from..to} of {@code data} with a label below {@code classes}, named as the first classes. */
  private static SparkDataset dataset(LabelledDataset data, int from, int to, int classes) {
    List<Example> examples = new ArrayList<>();
    float[][] rows = data.features().toFloatMatrix();
    for (int i = from; i < to; i++) {
      if (data.labels()[i] < classes) {
        examples.add(Example.ofFloats(i, data.labels()[i], data.fineLabels()[i], rows[i]));
      }
    }
    return new SparkDataset(spark.parallelize(examples, 2), data.labelNames().subList(0, classes),
        InputShape.vector(rows[0].length), "synthetic vectors " + from + ".." + to + " of " + classes + " classes");
  }

  /** The first epoch (1-based) whose training loss is at most {@code target}, or 0 for none. */
  private static int epochsTo(double target, List<SparkEpochMetrics> epochs) {
    for (SparkEpochMetrics epoch : epochs) {
      if (epoch.loss() <= target) {
        return epoch.epoch();
      }
    }
    return 0;
  }

  @Test
  void aWarmStartNeedsFewerEpochsAndANewClassIsEmbeddedAndClassified() {
    LabelledDataset data = SparkMagnetTrainerTest.fourClasses();
    int half = data.size() / 2;
    MagnetParams params = MagnetParams.defaults().withClusters(2, 4, 4).withSeed(5);
    NetworkSpec spec = SparkMagnetTrainerTest.fourClassesNetwork();
    TrainingOptions options = TrainingOptions.defaults().withAveragingFrequency(2);

    // the model in production: three classes, three epochs from scratch
    SparkDataset three = dataset(data, 0, half, 3);
    List<SparkEpochMetrics> cold = new ArrayList<>();
    ModelArtifact published = new SparkMagnetTrainer(spark, params.withEpochs(3), spec, options)
        .fit(three, null, cold::add).model();
    // target: the loss the cold run reached after its second epoch
    double target = cold.get(1).loss();
    int coldEpochs = epochsTo(target, cold);
    assertEquals(2, coldEpochs, "the cold loss falls from epoch 1 to 2: " + cold);

    List<SparkEpochMetrics> warm = new ArrayList<>();
    new SparkMagnetTrainer(spark, params.withEpochs(1), published.networkSpec(), options)
        .initFrom(WarmStart.of(published, "cold", three.labelNames(), params.loss(), three.inputShape()))
        .fit(three, null, warm::add);
    int warmEpochs = epochsTo(target, warm);
    assertEquals(1, warmEpochs, "warm loss " + warm.get(0).loss() + " vs the cold target " + target);

    // the next day a fourth class appears
    SparkDataset four = dataset(data, 0, half, 4);
    WarmStart start = WarmStart.of(published, "cold", four.labelNames(), params.loss(), four.inputShape());
    assertEquals(List.of(data.labelNames().get(3)), start.added());
    ModelArtifact retrained = new SparkMagnetTrainer(spark, params.withEpochs(1), published.networkSpec(), options)
        .initFrom(start).fit(four, null, epoch -> { }).model();
    assertEquals(data.labelNames(), retrained.labelNames());
    assertTrue(retrained.index().clusterCountOfClass(3) > 0, retrained.index().toString());
    List<float[]> held = new ArrayList<>();
    float[][] rows = data.features().toFloatMatrix();
    for (int i = half; i < data.size(); i++) {
      if (data.labels()[i] == 3) {
        held.add(rows[i]);
      }
    }
    ClusterClassifier rule = new ClusterClassifier(retrained.index().centroidMatrix(), retrained.index().clusterClasses(),
        4, retrained.index().sigma2(), MagnetParams.DEFAULT_L);
    int[] predicted = rule.predict(retrained.embed(Nd4j.create(held.toArray(new float[0][]))));
    long right = java.util.Arrays.stream(predicted).filter(p -> p == 3).count();
    assertTrue(right >= 0.8 * predicted.length, "held-out examples of the new class classified as it: " + right
        + " of " + predicted.length);
  }
}
