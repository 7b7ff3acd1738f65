package dev.magnet.core.train;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.cluster.ClusterIndexBuilder;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.loss.BatchHardTripletLoss;
import dev.magnet.core.loss.MagnetLoss;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.Provenance;
import dev.magnet.core.nn.Head;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.core.sampling.Neighbourhood;
import dev.magnet.core.sampling.NeighbourhoodSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a network on one JVM: the Magnet loop of the paper (embed, refresh the index, sample
 * neighbourhoods, fit) or one of the two baselines on the same network and data. It is the
 * reference the Spark trainer is compared with and the quick check that the loss trains.
 */
public final class LocalMagnetTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(LocalMagnetTrainer.class);

  private final MagnetParams params;
  private final NetworkSpec spec;

  public LocalMagnetTrainer(MagnetParams params, NetworkSpec spec) {
    this.params = Objects.requireNonNull(params, "params");
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  /** The trained model and the metrics of each epoch. */
  public record Result(ModelArtifact model, List<EpochMetrics> epochs) {}

  /** The head each loss trains with; triplet's margin is on unit-length embeddings (see {@link Head#unitEmbedding}). */
  public static Head head(MagnetParams params, int numClasses) {
    return switch (params.loss()) {
      case MAGNET -> Head.embedding(new MagnetLoss(params.alpha()));
      case TRIPLET -> Head.unitEmbedding(new BatchHardTripletLoss(params.tripletMargin()));
      case SOFTMAX -> Head.softmax(numClasses);
    };
  }

  public Result train(LabelledDataset data, Consumer<EpochMetrics> listener) {
    int numClasses = data.numClasses();
    int[] labels = data.labels();
    INDArray features = flat(data.features());
    MultiLayerNetwork net = NetworkFactory.build(spec, head(params, numClasses));
    SplittableRandom random = new SplittableRandom(params.seed());
    int batches = params.batchesPerEpoch(data.size());
    int[][] classMembers = membersOf(labels, numClasses);
    ClusterIndex index = null;
    List<EpochMetrics> history = new ArrayList<>();
    for (int epoch = 1; epoch <= params.epochs(); epoch++) {
      Timer timer = new Timer();
      double lossSum = 0;
      NeighbourhoodSampler sampler = null;
      int[][] clusterMembers = null;
      for (int b = 0; b < batches; b++) {
        if (params.loss() == LossKind.MAGNET && (b == 0 || refreshDue(b))) {
          index = refresh(net, features, labels, numClasses, index, random.nextLong(), timer);
          sampler = new NeighbourhoodSampler(index, params.clustersPerBatch(), params.examplesPerCluster());
          clusterMembers = membersOf(index.assignment().orElseThrow(), index.numClusters());
        }
        long start = System.nanoTime();
        DataSet batch = switch (params.loss()) {
          case MAGNET -> magnetBatch(sampler, clusterMembers, features, labels, random);
          case TRIPLET -> tripletBatch(classMembers, features, random);
          case SOFTMAX -> softmaxBatch(features, labels, numClasses, random);
        };
        timer.plan += seconds(start);
        start = System.nanoTime();
        net.fit(batch);
        timer.fit += seconds(start);
        lossSum += net.score();
      }
      EpochMetrics metrics = new EpochMetrics(epoch, lossSum / batches, batches, timer.embed, timer.index,
          timer.plan, timer.fit, (double) batches * params.batchSize() / Math.max(timer.fit, 1e-9));
      LOG.info("epoch {}/{}: loss {} ({} batches; embed {}s, index {}s, plan {}s, fit {}s; {} examples/s)",
          epoch, params.epochs(), String.format("%.4f", metrics.meanLoss()), batches,
          fmt(timer.embed), fmt(timer.index), fmt(timer.plan), fmt(timer.fit), fmt(metrics.examplesPerSecond()));
      history.add(metrics);
      listener.accept(metrics);
    }
    index = refresh(net, features, labels, numClasses, index, random.nextLong(), new Timer());
    Provenance provenance = Provenance.now(data.description(), data.size(), params.epochs());
    return new Result(new ModelArtifact(net, index, data.labelNames(), params, spec, provenance), history);
  }

  private boolean refreshDue(int batch) {
    return params.refreshEveryBatches() > 0 && batch % params.refreshEveryBatches() == 0;
  }

  private ClusterIndex refresh(MultiLayerNetwork net, INDArray features, int[] labels, int numClasses,
      ClusterIndex previous, long seed, Timer timer) {
    long start = System.nanoTime();
    INDArray embeddings = NetworkFactory.embed(net, features, NetworkFactory.DEFAULT_EMBED_BATCH);
    timer.embed += seconds(start);
    start = System.nanoTime();
    ClusterIndex index = ClusterIndexBuilder.build(embeddings, labels, numClasses, params.clustersPerClass(),
        previous, seed, params.alpha(), params.kmeansIterations());
    timer.index += seconds(start);
    return index;
  }

  private DataSet magnetBatch(NeighbourhoodSampler sampler, int[][] clusterMembers, INDArray features,
      int[] labels, SplittableRandom random) {
    Neighbourhood neighbourhood = sampler.next(random);
    int d = params.examplesPerCluster();
    int[] rows = new int[params.batchSize()];
    int[] clusterKeys = new int[rows.length];
    int[] classKeys = new int[rows.length];
    for (int slot = 0; slot < neighbourhood.size(); slot++) {
      int cluster = neighbourhood.cluster(slot);
      int[] drawn = NeighbourhoodSampler.drawMembers(clusterMembers[cluster], d, random);
      for (int i = 0; i < d; i++) {
        rows[slot * d + i] = drawn[i];
        clusterKeys[slot * d + i] = cluster;
        classKeys[slot * d + i] = labels[drawn[i]];
      }
    }
    return new DataSet(Nd4j.pullRows(features, 1, rows),
        MagnetLoss.labels(clusterKeys, classKeys, features.dataType()));
  }

  /** P classes × K examples, P = min(M, classes with two or more examples), K = M·D / P. */
  private DataSet tripletBatch(int[][] classMembers, INDArray features, SplittableRandom random) {
    int[] eligible = java.util.stream.IntStream.range(0, classMembers.length)
        .filter(c -> classMembers[c].length >= 2).toArray();
    if (eligible.length < 2) {
      throw new IllegalArgumentException("triplet batches need two classes with at least 2 examples; classes="
          + eligible.length);
    }
    int p = Math.min(params.clustersPerBatch(), eligible.length);
    int k = Math.max(2, params.batchSize() / p);
    int[] chosen = NeighbourhoodSampler.drawMembers(eligible, p, random);
    int[] rows = new int[p * k];
    int[] classKeys = new int[rows.length];
    for (int i = 0; i < p; i++) {
      int[] drawn = NeighbourhoodSampler.drawMembers(classMembers[chosen[i]], k, random);
      for (int j = 0; j < k; j++) {
        rows[i * k + j] = drawn[j];
        classKeys[i * k + j] = chosen[i];
      }
    }
    return new DataSet(Nd4j.pullRows(features, 1, rows), BatchHardTripletLoss.labels(classKeys, features.dataType()));
  }

  private DataSet softmaxBatch(INDArray features, int[] labels, int numClasses, SplittableRandom random) {
    int[] all = new int[labels.length];
    java.util.Arrays.setAll(all, i -> i);
    int[] rows = NeighbourhoodSampler.drawMembers(all, Math.min(params.batchSize(), all.length), random);
    INDArray oneHot = Nd4j.zeros(features.dataType(), rows.length, numClasses);
    for (int i = 0; i < rows.length; i++) {
      oneHot.putScalar(i, labels[rows[i]], 1.0);
    }
    return new DataSet(Nd4j.pullRows(features, 1, rows), oneHot);
  }

  /** Members of each group: example ids by class or by cluster. */
  static int[][] membersOf(int[] groupOf, int groups) {
    int[] count = new int[groups];
    for (int g : groupOf) {
      count[g]++;
    }
    int[][] members = new int[groups][];
    for (int g = 0; g < groups; g++) {
      members[g] = new int[count[g]];
    }
    int[] filled = new int[groups];
    for (int i = 0; i < groupOf.length; i++) {
      members[groupOf[i]][filled[groupOf[i]]++] = i;
    }
    return members;
  }

  /** Rows of c·h·w values in C order: the layout the networks take and pullRows can gather. */
  static INDArray flat(INDArray features) {
    return features.rank() == 2 ? features : features.reshape('c', features.size(0), -1);
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static String fmt(double value) {
    return String.format("%.2f", value);
  }

  private static final class Timer {
    double embed;
    double index;
    double plan;
    double fit;
  }
}
