package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.metrics.AveragingCost;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SparkMagnetTrainerTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  static SparkDataset dataset(JavaSparkContext spark, LabelledDataset data, int from, int to, long firstId) {
    List<Example> examples = new ArrayList<>();
    float[][] rows = data.features().toFloatMatrix();
    int[] labels = data.labels();
    int[] fine = data.fineLabels();
    for (int i = from; i < to; i++) {
      examples.add(Example.ofFloats(firstId + i, labels[i], fine[i], rows[i]));
    }
    return new SparkDataset(spark.parallelize(examples, 2), data.labelNames(),
        InputShape.vector(rows[0].length), "synthetic vectors " + from + ".." + to);
  }

  /**
   * The problem the trainer's tests learn: 4 classes of 2 sub-clusters, 320 vectors 8 wide, far
   * enough apart for {@link #fourClassesNetwork} to reach a 1-NN accuracy above 0.8 (chance: 0.25)
   * in a few epochs.
   */
  static LabelledDataset fourClasses() {
    return SyntheticData.vectors(4, 2, 80, 8, 3.0, 1.0, 17);
  }

  /** The network that learns {@link #fourClasses}: one hidden layer of 32, an embedding of 8. */
  static NetworkSpec fourClassesNetwork() {
    return NetworkSpec.of(Architecture.MLP, InputShape.vector(8)).withEmbeddingDim(8).withHiddenSizes(List.of(32))
        .withLearningRate(3e-3);
  }

  /** The first half of a data set to train on and the second to validate on, ids from 0. */
  record Halves(SparkDataset train, SparkDataset test) {
    static Halves of(JavaSparkContext spark, LabelledDataset data) {
      int half = data.size() / 2;
      return new Halves(dataset(spark, data, 0, half, 0), dataset(spark, data, half, data.size(), 0));
    }
  }

  @ParameterizedTest
  @EnumSource(LossKind.class)
  void trainingLossFallsAndTheEmbeddingGeneralises(LossKind loss) {
    LabelledDataset data = fourClasses();
    Halves halves = Halves.of(spark, data);
    MagnetParams params = MagnetParams.defaults().withLoss(loss).withClusters(2, 4, 4).withEpochs(4).withSeed(5);
    NetworkSpec spec = fourClassesNetwork();
    List<SparkEpochMetrics> seen = new ArrayList<>();
    SparkMagnetTrainer.Outcome outcome = new SparkMagnetTrainer(spark, params, spec,
        TrainingOptions.defaults().withAveragingFrequency(2)).fit(halves.train(), halves.test(), seen::add);
    assertEquals(4, seen.size());
    assertEquals(1, outcome.firstEpochRun());
    double first = seen.get(0).loss();
    double last = seen.get(3).loss();
    assertTrue(last < first, loss + " loss falls: " + first + " -> " + last);
    double accuracy = seen.get(3).validation().get("knn1_accuracy");
    assertTrue(accuracy > 0.8, loss + " held-out 1-NN accuracy " + accuracy);
    assertTrue(seen.get(3).validation().containsKey("fine_knn1_accuracy"));
    if (loss == LossKind.MAGNET) {
      assertTrue(seen.get(3).validation().get("cluster_accuracy") > 0.8, "cluster rule " + seen.get(3).validation());
      assertTrue(seen.get(0).indexSeconds() > 0 && seen.get(0).embedSeconds() > 0);
    }
    for (SparkEpochMetrics epoch : seen) {
      // The fit phase splits into the workers' loops and the averaging around them.
      assertTrue(epoch.averagingSeconds() > 0 && epoch.averagingSeconds() < epoch.fitSeconds(),
          "averaging " + epoch.averagingSeconds() + " s of a " + epoch.fitSeconds() + " s fit");
      // Each round is one Spark job, seen from the driver and from Spark's task events.
      AveragingCost rounds = epoch.averaging();
      assertTrue(rounds.rounds() > 0 && rounds.roundSeconds() > 0 && rounds.roundSeconds() <= epoch.fitSeconds() + 0.01,
          rounds + " in a " + epoch.fitSeconds() + " s fit");
      assertTrue(rounds.broadcastSeconds() > 0 && rounds.updateSeconds() > 0, rounds.toString());
    }
    // ids (8 bytes), 8 floats, a label and a fine label a row, train and held-out sets
    assertEquals((long) data.size() * (8 + 8 * 4 + 4 + 4), outcome.validationCollectBytes());
    assertEquals(8, outcome.model().index().numClusters());
  }
}
