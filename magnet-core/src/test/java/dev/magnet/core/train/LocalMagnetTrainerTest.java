package dev.magnet.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.eval.EvaluationReport;
import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.LabelledEmbeddings;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LocalMagnetTrainerTest {

  private static double knn1(ModelArtifact model, LabelledDataset train, LabelledDataset test) {
    EvaluationReport report = new Evaluator(EnumSet.of(Metric.KNN1_ACCURACY), 1).evaluate(
        new LabelledEmbeddings(model.embed(LocalMagnetTrainer.flat(train.features())), train.labels()),
        new LabelledEmbeddings(model.embed(LocalMagnetTrainer.flat(test.features())), test.labels()));
    return report.get("knn1_accuracy");
  }

  /** The single-JVM check of the issue: fmnist-cnn, Magnet loss, a few thousand synthetic images. */
  @Test
  void fmnistCnnTrainsWithTheMagnetLossAndTheLossFalls() {
    LabelledDataset all = SyntheticData.images(4, 3, 200, 28, 5);
    LabelledDataset train = all.subset(java.util.stream.IntStream.range(0, 2000).toArray());
    LabelledDataset test = all.subset(java.util.stream.IntStream.range(2000, all.size()).toArray());
    MagnetParams params = MagnetParams.defaults().withClusters(3, 6, 4).withEpochs(3).withSeed(3);
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST).withEmbeddingDim(16);
    List<EpochMetrics> epochs = new ArrayList<>();
    LocalMagnetTrainer.Result result = new LocalMagnetTrainer(params, spec).train(train, epochs::add);
    assertEquals(3, epochs.size());
    double first = epochs.get(0).meanLoss();
    double last = epochs.get(2).meanLoss();
    assertTrue(Double.isFinite(first) && first > 0, "first epoch loss " + first);
    assertTrue(last < 0.8 * first, "loss falls: " + first + " -> " + last);
    double accuracy = knn1(result.model(), train, test);
    assertTrue(accuracy > 0.9, "held-out 1-NN accuracy " + accuracy);
    assertEquals(3 * 4, result.model().index().numClusters());
  }

  @ParameterizedTest
  @EnumSource(LossKind.class)
  void everyLossTrainsAnMlpOnVectors(LossKind loss) {
    LabelledDataset all = SyntheticData.vectors(5, 2, 60, 8, 4.0, 1.0, 11);
    int half = all.size() / 2;
    LabelledDataset train = all.subset(java.util.stream.IntStream.range(0, half).toArray());
    LabelledDataset test = all.subset(java.util.stream.IntStream.range(half, all.size()).toArray());
    MagnetParams params = MagnetParams.defaults().withLoss(loss).withClusters(2, 4, 4).withEpochs(4).withSeed(1);
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(8)).withEmbeddingDim(8)
        .withHiddenSizes(List.of(32));
    List<EpochMetrics> epochs = new ArrayList<>();
    LocalMagnetTrainer.Result result = new LocalMagnetTrainer(params, spec).train(train, epochs::add);
    assertTrue(epochs.get(3).meanLoss() < epochs.get(0).meanLoss(),
        loss + " loss falls: " + epochs.get(0).meanLoss() + " -> " + epochs.get(3).meanLoss());
    double accuracy = knn1(result.model(), train, test);
    assertTrue(accuracy > 0.8, loss + " held-out 1-NN accuracy " + accuracy);
  }
}
