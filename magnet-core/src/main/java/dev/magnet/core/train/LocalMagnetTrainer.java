package dev.magnet.core.train;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.cluster.ClusterIndexBuilder;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.Provenance;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.BatchSampling;
import dev.magnet.core.objective.GroupPlanner;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.core.sampling.NeighbourhoodSampler;
import dev.magnet.core.util.Format;
import dev.magnet.core.util.Stopwatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
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

  public Result train(LabelledDataset data, Consumer<EpochMetrics> listener) {
    int numClasses = data.numClasses();
    int[] labels = data.labels();
    INDArray features = flat(data.features());
    Objective objective = Objective.of(params);
    Map<Integer, Long> classCounts = Arrays.stream(labels).boxed()
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    objective.checkData(classCounts, numClasses);
    MultiLayerNetwork net = NetworkFactory.build(spec, objective.head(numClasses));
    SplittableRandom random = new SplittableRandom(params.seed());
    int batches = params.batchesPerEpoch(data.size());
    int refreshEvery = params.refreshEvery(data.size());
    boolean byIndex = objective.sampling() == BatchSampling.NEIGHBOURHOODS;
    // Grouped batches draw from groups: classes (triplet), or the index's clusters once it exists.
    int[][] groupMembers = membersOf(labels, numClasses);
    GroupPlanner planner = objective.sampling() == BatchSampling.CLASSES ? objective.planner(null, classCounts) : null;
    ClusterIndex index = null;
    List<EpochMetrics> history = new ArrayList<>();
    for (int epoch = 1; epoch <= params.epochs(); epoch++) {
      Timer timer = new Timer();
      double lossSum = 0;
      for (int b = 0; b < batches; b++) {
        if (byIndex && (b == 0 || refreshDue(b, refreshEvery))) {
          index = refresh(net, features, labels, numClasses, index, random.nextLong(), timer);
          planner = objective.planner(index, classCounts);
          groupMembers = membersOf(index.assignment().orElseThrow(), index.numClusters());
        }
        long start = System.nanoTime();
        DataSet batch = planner == null ? shuffledBatch(objective, features, labels, numClasses, random)
            : groupedBatch(objective, planner, groupMembers, features, labels, numClasses, random);
        timer.plan += Stopwatch.secondsSince(start);
        start = System.nanoTime();
        net.fit(batch);
        timer.fit += Stopwatch.secondsSince(start);
        lossSum += net.score();
      }
      EpochMetrics metrics = new EpochMetrics(epoch, lossSum / batches, batches, timer.embed, timer.index,
          timer.plan, timer.fit, (double) batches * params.batchSize() / Math.max(timer.fit, 1e-9));
      LOG.info("epoch {}/{}: loss {} ({} batches; embed {}s, index {}s, plan {}s, fit {}s; {} examples/s)",
          epoch, params.epochs(), Format.decimals(metrics.meanLoss(), 4), batches, Format.decimals(timer.embed, 2),
          Format.decimals(timer.index, 2), Format.decimals(timer.plan, 2), Format.decimals(timer.fit, 2),
          Format.decimals(metrics.examplesPerSecond(), 2));
      history.add(metrics);
      listener.accept(metrics);
    }
    index = refresh(net, features, labels, numClasses, index, random.nextLong(), new Timer());
    Provenance provenance = Provenance.now(data.description(), data.size(), params.epochs());
    return new Result(new ModelArtifact(net, index, data.labelNames(), params, spec, provenance), history);
  }

  private static boolean refreshDue(int batch, int refreshEvery) {
    return refreshEvery > 0 && batch % refreshEvery == 0;
  }

  private ClusterIndex refresh(MultiLayerNetwork net, INDArray features, int[] labels, int numClasses,
      ClusterIndex previous, long seed, Timer timer) {
    long start = System.nanoTime();
    INDArray embeddings = NetworkFactory.embed(net, features,
        NetworkFactory.embedBatchSize(net.getLayerWiseConfigurations(), spec.input()));
    timer.embed += Stopwatch.secondsSince(start);
    start = System.nanoTime();
    ClusterIndex index = ClusterIndexBuilder.build(embeddings, labels, numClasses, params.clustersPerClass(),
        previous, seed, params.alpha(), params.kmeansIterations());
    timer.index += Stopwatch.secondsSince(start);
    return index;
  }

  /** The planner's groups, then {@code draws} members of each, in group order. */
  private static DataSet groupedBatch(Objective objective, GroupPlanner planner, int[][] groupMembers,
      INDArray features, int[] labels, int numClasses, SplittableRandom random) {
    int[] groups = planner.next(random);
    int d = planner.draws();
    int[] rows = new int[groups.length * d];
    int[] groupKeys = new int[rows.length];
    int[] classKeys = new int[rows.length];
    for (int slot = 0; slot < groups.length; slot++) {
      int[] drawn = NeighbourhoodSampler.drawMembers(groupMembers[groups[slot]], d, random);
      for (int i = 0; i < d; i++) {
        rows[slot * d + i] = drawn[i];
        groupKeys[slot * d + i] = groups[slot];
        classKeys[slot * d + i] = labels[drawn[i]];
      }
    }
    return new DataSet(Nd4j.pullRows(features, 1, rows),
        objective.labels().encode(groupKeys, classKeys, numClasses, features.dataType()));
  }

  /** M·D examples drawn uniformly without replacement (softmax's batches). */
  private DataSet shuffledBatch(Objective objective, INDArray features, int[] labels, int numClasses,
      SplittableRandom random) {
    int[] all = new int[labels.length];
    Arrays.setAll(all, i -> i);
    int[] rows = NeighbourhoodSampler.drawMembers(all, Math.min(params.batchSize(), all.length), random);
    int[] classes = Arrays.stream(rows).map(r -> labels[r]).toArray();
    return new DataSet(Nd4j.pullRows(features, 1, rows),
        objective.labels().encode(rows, classes, numClasses, features.dataType()));
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

  private static final class Timer {
    double embed;
    double index;
    double plan;
    double fit;
  }
}
