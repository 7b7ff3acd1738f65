package dev.magnet.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.distance.Distances;
import dev.magnet.core.eval.EvaluationReport;
import dev.magnet.core.eval.Evaluator;
import dev.magnet.core.eval.LabelledEmbeddings;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.loss.BatchHardTripletLoss;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

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

  /**
   * The cause of the triplet baseline's collapse: on raw embeddings, shrinking all of them lowers
   * a batch-hard loss whose hardest positives are farther than its hardest negatives (fmnist-cnn's
   * state at initialisation), down to a point where every image has the same embedding. The
   * triplet head must give that direction nothing: scaling the embedding layer leaves the loss as is.
   */
  @Test
  void shrinkingEveryEmbeddingDoesNotLowerTheTripletLoss() {
    LabelledDataset data = SyntheticData.images(4, 1, 12, 28, 3);
    int[] classes = data.labels();
    MagnetParams params = MagnetParams.defaults().withLoss(LossKind.TRIPLET);
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST);
    MultiLayerNetwork net = NetworkFactory.build(spec, Objective.of(params).head(data.numClasses()));
    DataSet batch = new DataSet(LocalMagnetTrainer.flat(data.features()), BatchHardTripletLoss.labels(classes, DataType.FLOAT));
    double before = net.score(batch);
    assertTrue(before > params.tripletMargin(), "hardest positives farther than hardest negatives: loss " + before);
    Layer embedding = net.getLayer(NetworkFactory.embeddingLayerIndex(net));
    embedding.getParam("W").muli(0.1);
    embedding.getParam("b").muli(0.1);
    assertEquals(before, net.score(batch), 1e-4 * before, "loss after shrinking every embedding tenfold");
  }

  /**
   * Batch-hard triplets on fmnist-cnn once shrank every embedding onto one point (the loss sat at
   * the margin, 0.2, and 1-NN was at chance): the embeddings must stay apart and separate classes.
   */
  @Test
  void tripletOnFmnistCnnKeepsItsEmbeddingsApart() {
    LabelledDataset all = SyntheticData.images(4, 2, 150, 28, 9);
    LabelledDataset train = all.subset(java.util.stream.IntStream.range(0, 900).toArray());
    LabelledDataset test = all.subset(java.util.stream.IntStream.range(900, all.size()).toArray());
    MagnetParams params = MagnetParams.defaults().withLoss(LossKind.TRIPLET).withEpochs(2).withSeed(5);
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST).withEmbeddingDim(16);
    LocalMagnetTrainer.Result result = new LocalMagnetTrainer(params, spec).train(train, epoch -> { });
    INDArray embedded = result.model().embed(LocalMagnetTrainer.flat(test.features()));
    double spread = meanPairwiseDistance(embedded.castTo(DataType.DOUBLE).toDoubleMatrix());
    assertTrue(spread > 2 * params.tripletMargin(), "mean pairwise test distance " + spread);
    double accuracy = knn1(result.model(), train, test);
    assertTrue(accuracy > 0.6, "held-out 1-NN accuracy " + accuracy + " (chance 0.25)");
  }

  private static double meanPairwiseDistance(double[][] rows) {
    double sum = 0;
    long pairs = 0;
    for (int i = 0; i < rows.length; i++) {
      for (int j = i + 1; j < rows.length; j++) {
        sum += Math.sqrt(Distances.squared(rows[i], rows[j]));
        pairs++;
      }
    }
    return sum / pairs;
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
