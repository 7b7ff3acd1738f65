package dev.magnet.spark.train;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.cluster.ClusterIndexBuilder;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.eval.KnnClassifier;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.Provenance;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.objective.BatchSampling;
import dev.magnet.core.objective.GroupPlanner;
import dev.magnet.core.objective.Objective;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.core.util.Format;
import dev.magnet.core.util.Stopwatch;
import dev.magnet.spark.data.EmbeddedExample;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.image.Augmenter;
import dev.magnet.spark.executor.ExampleEmbeddings;
import dev.magnet.spark.executor.LossGuard;
import dev.magnet.spark.executor.NativeThreads;
import dev.magnet.spark.executor.NetworkSnapshot;
import dev.magnet.spark.executor.TaskFaults;
import dev.magnet.spark.executor.WorkerClock;
import dev.magnet.spark.index.PartitionSums;
import dev.magnet.spark.index.SparkIndexBuilder;
import dev.magnet.spark.metrics.AveragingCost;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.NativeMemory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The distributed training loop (docs/design.md, "One epoch, as data flows"): embed the cached
 * training set on the executors, refresh the cluster index there, sample the neighbourhoods on
 * the driver, materialise the batches on the executors, and fit them with DL4J's parameter
 * averaging or gradient sharing ({@link TrainingMasterKind}). The two baselines (softmax, triplet) run through the same loop, network and data.
 */
public final class SparkMagnetTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SparkMagnetTrainer.class);

  /** Batches scored for the epoch's training loss: a standard error of a few percent, cheap. */
  static final int SCORED_BATCHES = 100;

  private final JavaSparkContext spark;
  private final MagnetParams params;
  private final NetworkSpec spec;
  private final TrainingOptions options;
  /** ND4J threads per task for this job's executors; set by {@link #fit}. */
  private int nativeThreads;
  private final WarmStart warmStart;
  private final Consumer<String> warnings;
  /** A network whose body starts the fresh one, or null for the spec's initialisation. */
  private final MultiLayerNetwork pretrained;
  private final Objective objective;
  /** The most bytes of embeddings one validation brought to the driver; set by {@link #validate}. */
  private long validationCollectBytes;
  /** Why chunks fell back from one-stage averaging, each logged once. */
  private final java.util.Set<String> fallbacks = new java.util.HashSet<>();

  public SparkMagnetTrainer(JavaSparkContext spark, MagnetParams params, NetworkSpec spec, TrainingOptions options) {
    this(spark, params, spec, options, null, null, LOG::warn);
  }

  private SparkMagnetTrainer(JavaSparkContext spark, MagnetParams params, NetworkSpec spec, TrainingOptions options,
      WarmStart warmStart, MultiLayerNetwork pretrained, Consumer<String> warnings) {
    this.spark = Objects.requireNonNull(spark, "spark");
    this.params = Objects.requireNonNull(params, "params");
    this.spec = Objects.requireNonNull(spec, "spec");
    this.options = Objects.requireNonNull(options, "options");
    this.warmStart = warmStart;
    this.warnings = Objects.requireNonNull(warnings, "warnings");
    this.pretrained = pretrained;
    this.objective = Objective.of(params);
  }

  /**
   * This trainer, its fresh network starting from the body of {@code network} (trained with any
   * loss on any classes; {@link NetworkFactory#copyBody}), with its own head and a fresh optimiser.
   */
  public SparkMagnetTrainer startingFrom(MultiLayerNetwork network) {
    return new SparkMagnetTrainer(spark, params, spec, options, warmStart, Objects.requireNonNull(network, "network"),
        warnings);
  }

  /**
   * This trainer, starting from a published model's network and index instead of fresh weights
   * (a checkpoint of this run, when resuming, still takes precedence: it is later).
   */
  public SparkMagnetTrainer initFrom(WarmStart start) {
    return new SparkMagnetTrainer(spark, params, spec, options, Objects.requireNonNull(start, "start"), pretrained,
        warnings);
  }

  /**
   * This trainer, telling {@code to} what the user should know but that does not stop training
   * (a checkpoint skipped on resume, a learning rate changed on resume); by default they are logged.
   */
  public SparkMagnetTrainer warnTo(Consumer<String> to) {
    return new SparkMagnetTrainer(spark, params, spec, options, warmStart, pretrained, to);
  }

  /** The spec's initialised network, its body copied from the pre-trained network when there is one. */
  private MultiLayerNetwork freshNetwork(int numClasses) {
    MultiLayerNetwork network = NetworkFactory.build(spec, objective.head(numClasses));
    if (pretrained != null) {
      NetworkFactory.copyBody(pretrained, network);
    }
    return network;
  }

  /**
   * The trained model, every epoch's metrics (resumed ones included), where this run began, and
   * the most bytes of embeddings validation brought to the driver at once (null without validation).
   */
  public record Outcome(ModelArtifact model, List<SparkEpochMetrics> epochs, int firstEpochRun,
      Long validationCollectBytes) {}

  /** What the loop carries from one epoch to the next; also what a checkpoint restores. */
  record State(MultiLayerNetwork network, ClusterIndex index, int completedEpochs, List<SparkEpochMetrics> history) {}

  /**
   * Trains on {@code train}; evaluates on {@code validation} after every epoch when given.
   *
   * @param validation held-out examples, or null
   */
  public Outcome fit(SparkDataset train, SparkDataset validation, Consumer<SparkEpochMetrics> listener) {
    int numClasses = train.numClasses();
    InputShape shape = train.inputShape();
    Augmenter augmenter = Augmenter.of(train.preprocessing());
    int partitions = options.workers() > 0 ? options.workers() : spark.defaultParallelism();
    nativeThreads = NativeThreads.perTask(spark, partitions);
    NativeThreads.apply(nativeThreads);
    JavaRDD<Example> examples = train.examples().setName("magnet training examples")
        .persist(StorageLevel.MEMORY_AND_DISK());
    DataFingerprint data = DataFingerprint.of(examples, numClasses);
    long n = data.examples();
    if (n < 2) {
      throw new JobException(ExitCodes.BAD_INPUT, "training data needs at least 2 examples; examples=" + n + " in "
          + train.description());
    }
    JavaPairRDD<Long, Example> byId = examples.mapToPair(e -> new Tuple2<>(e.id(), e))
        .partitionBy(new HashPartitioner(partitions))
        .setName("magnet examples by id")
        .persist(StorageLevel.MEMORY_AND_DISK());
    JavaPairRDD<Integer, Long> byClass = examples.mapToPair(e -> new Tuple2<>(e.label(), e.id()))
        .setName("magnet example ids by class")
        .persist(StorageLevel.MEMORY_AND_DISK());
    Map<Integer, Long> classCounts = byClass.countByKey();
    checkClasses(classCounts, train);

    CheckpointPolicy checkpoints = CheckpointPolicy.of(options, spark, params, spec);
    State state = checkpoints.resume(train.labelNames(), data, warnings).orElseGet(() -> warmStart != null
        ? new State(warmStart.model().network(), warmStart.index(), 0, List.of())
        : new State(freshNetwork(numClasses), null, 0, List.of()));
    int firstEpoch = state.completedEpochs() + 1;
    if (firstEpoch > 1) {
      LOG.info("resuming after epoch {} from {}", firstEpoch - 1, options.checkpointDir());
    }
    int rowsPerBatch = objective.rowsPerBatch(classCounts);
    WorkerClock workerClock = new WorkerClock(spark.sc().doubleAccumulator(WorkerClock.ACCUMULATOR));
    AveragingRounds rounds = new AveragingRounds(WorkerClock.ACCUMULATOR);
    int concurrentTasks = Math.max(1, Math.min(partitions, spark.defaultParallelism()));
    TrainingMaster<?, ?> master = options.trainingMaster() == TrainingMasterKind.SHARING
        ? GradientSharing.master(spark, rowsPerBatch, params.seed())
        : new AveragingMaster(new ParameterAveragingTrainingMaster.Builder(rowsPerBatch)
            .batchSizePerWorker(rowsPerBatch)
            .averagingFrequency(options.averagingFrequency())
            .workerPrefetchNumBatches(0)
            .saveUpdater(true)
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            .repartionData(Repartition.Never)
            // The master persists the batches itself; the same level lets us count them first.
            .storageLevel(StorageLevel.MEMORY_AND_DISK())
            .trainingHooks(workerClock, new LossGuard())
            .rngSeed(params.seed()), rounds);
    SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(spark, state.network(), master);

    int batchesPerEpoch = params.batchesPerEpoch(n);
    int refreshEvery = params.refreshEvery(n);
    int chunk = refreshEvery > 0 ? Math.min(refreshEvery, batchesPerEpoch) : batchesPerEpoch;
    ClusterIndex index = state.index();
    List<SparkEpochMetrics> history = new ArrayList<>(state.history());
    AveragingCost roundsBefore = AveragingCost.NONE;
    // registered only while the loop runs: a failed fit (a trial of a search, say) must not leave it on the context
    spark.sc().addSparkListener(rounds);
    try {
      for (int epoch = firstEpoch; epoch <= params.epochs(); epoch++) {
        Phases time = new Phases();
        double lossSum = 0;
        int chunks = 0;
        for (int done = 0; done < batchesPerEpoch; done += chunk) {
          int batches = Math.min(chunk, batchesPerEpoch - done);
          long chunkSeed = Seeds.mix(params.seed(), epoch, done);
          // What the chunk caches and broadcasts goes when it ends, also when it fails (a trial of a search goes on in the same context).
          JavaRDD<DataSet> planned = null;
          BatchMaterialiser.Planned drawn = null;
          ExampleEmbeddings.Embedded embedded = null;
          SparkIndexBuilder.Refresh refresh = null;
          try {
            if (objective.sampling() == BatchSampling.SHUFFLED) {
              planned = BatchMaterialiser.shuffled(examples, rowsPerBatch, (int) Math.min(batches, n / rowsPerBatch),
                  numClasses, chunkSeed, partitions, augmenter);
            } else {
              JavaPairRDD<Integer, Long> members = byClass;
              if (objective.sampling() == BatchSampling.NEIGHBOURHOODS) {
                long start = System.nanoTime();
                embedded = ExampleEmbeddings.embed(spark, examples, shape, sparkNet.getNetwork())
                    .persist("magnet training embeddings", StorageLevel.MEMORY_AND_DISK());
                embedded.rdd().count();
                time.embed += Stopwatch.secondsSince(start);
                start = System.nanoTime();
                refresh = SparkIndexBuilder.refresh(spark, embedded.rdd(), classCounts, numClasses, params.clustersPerClass(), index,
                    chunkSeed, params.alpha(), params.kmeansIterations(), options.smallClassLimit());
                index = refresh.index();
                members = refresh.members();
                time.index += Stopwatch.secondsSince(start);
              }
              long start = System.nanoTime();
              GroupPlanner planner = objective.planner(index, classCounts);
              int[][] plan = planner.plan(batches, new SplittableRandom(chunkSeed));
              time.plan += Stopwatch.secondsSince(start);
              drawn = BatchMaterialiser.planned(spark, byId, members, plan, planner.draws(), chunkSeed,
                  objective.labels(), numClasses, partitions, augmenter);
              planned = drawn.batches();
            }
            long start = System.nanoTime();
            planned.setName("magnet batches").persist(StorageLevel.MEMORY_AND_DISK());
            long made = planned.count();
            time.materialise += Stopwatch.secondsSince(start);
            start = System.nanoTime();
            long cpuStart = processCpuNanos();
            // DL4J persists what it fits (references to the cached batches) and never unpersists it.
            JavaRDD<DataSet> fitted = planned.mapPartitions(TaskFaults::check);
            double updatesBefore = workerClock.seconds();
            try {
              if (!oneStage(sparkNet.getNetwork(), fitted.getNumPartitions())) {
                sparkNet.fit(fitted);
              } else {
                try {
                  rounds.add(BarrierAveraging.fit(spark, sparkNet.getNetwork(), fitted, options.averagingFrequency(),
                      options.averagingLag(), List.of(workerClock, new LossGuard()), nativeThreads));
                } catch (BarrierAveraging.SlotsLost lost) {
                  LOG.warn("epoch {}: the one-stage averaging lost its task slots ({}); fitting the chunk again with"
                      + " DL4J's master, one Spark job a round", epoch, lost.getMessage());
                  sparkNet.fit(fitted);
                }
              }
            } catch (Exception e) {
              Optional<JobException> diverged = Divergence.ofFit(e, epoch, done, batchesPerEpoch);
              if (diverged.isPresent()) {
                throw diverged.get();
              }
              if (options.trainingMaster() == TrainingMasterKind.SHARING) {
                throw GradientSharing.fitFailed(e, epoch, options.checkpointDir());
              }
              throw e;
            } finally {
              fitted.unpersist(false);
            }
            Divergence.checkParameters(sparkNet.getNetwork(), epoch, done + batches, batchesPerEpoch);
            double fitSeconds = Stopwatch.secondsSince(start);
            time.fit += fitSeconds;
            time.fitCpu += (processCpuNanos() - cpuStart) / 1e9;
            // The workers' updates ran side by side, at most one task per core (or per worker) at a time.
            if (options.trainingMaster().averages()) { // sharing calls no hooks: not measured
              time.averaging += Math.max(0, fitSeconds - (workerClock.seconds() - updatesBefore) / concurrentTasks);
            }
            start = System.nanoTime();
            double chunkLoss = trainingLoss(sparkNet.getNetwork(), planned, made, chunkSeed);
            Divergence.checkLoss(chunkLoss, epoch, done + batches, batchesPerEpoch);
            lossSum += chunkLoss;
            time.score += Stopwatch.secondsSince(start);
            chunks++;
            LOG.debug("epoch {}: fitted {} batches", epoch, made);
          } finally {
            if (planned != null) {
              planned.unpersist(false);
            }
            if (drawn != null) {
              drawn.close();
            }
            if (refresh != null) {
              refresh.close();
            }
            if (embedded != null) {
              embedded.close();
            }
            NativeMemory.trim();
          }
        }
        MultiLayerNetwork network = sparkNet.getNetwork();
        if (validation != null) {
          // The fit's unreachable ND4J arrays hold native memory until a collection: freed here, the
          // validation's allocations do not stack on them (full run's peak RSS 1,424 -> 1,280 MiB,
          // docs/benchmarks.md, "The serial collector and the distance kernel").
          Nd4j.getMemoryManager().invokeGc();
          NativeMemory.trim();
        }
        Map<String, Double> validationMetrics = validation == null ? Map.of()
            : validate(network, index, examples, shape, validation, numClasses);
        NativeMemory.trim();
        double seconds = time.total();
        AveragingCost roundsNow = rounds.total(spark.sc());
        AveragingCost epochRounds = roundsNow.minus(roundsBefore);
        roundsBefore = roundsNow;
        SparkEpochMetrics metrics = new SparkEpochMetrics(epoch, lossSum / chunks, batchesPerEpoch, time.embed, time.index,
            time.plan, time.materialise, time.fit, batchesPerEpoch * (double) rowsPerBatch / seconds, validationMetrics,
            time.averaging, options.trainingMaster().averages() ? epochRounds : null);
        history.add(metrics);
        double eta = seconds * (params.epochs() - epoch);
        LOG.info("epoch {}/{}: loss {} | embed {}s index {}s plan {}s materialise {}s fit {}s (averaging {}s, cpu {}s)"
            + " | {} examples/s | {}| ETA {}s", epoch, params.epochs(), Format.decimals(metrics.loss(), 2),
            Format.decimals(time.embed, 2), Format.decimals(time.index, 2), Format.decimals(time.plan, 2),
            Format.decimals(time.materialise, 2), Format.decimals(time.fit, 2), Format.decimals(time.averaging, 2),
            Format.decimals(time.fitCpu, 2), Format.decimals(metrics.examplesPerSecond(), 2), describe(validationMetrics),
            Format.decimals(eta, 2));
        if (epochRounds.rounds() > 0) {
          LOG.info("epoch {}: {} averaging rounds, {}s: broadcast {}s | per task: launch {}s deserialise {}s setup {}s"
              + " updates {}s result {}s wait for the slowest {}s exchange {}s | results to the driver {}s, driver averaging {}s",
              epoch, epochRounds.rounds(), Format.decimals(epochRounds.roundSeconds(), 2),
              Format.decimals(epochRounds.broadcastSeconds(), 2), Format.decimals(epochRounds.launchSeconds(), 2),
              Format.decimals(epochRounds.deserialiseSeconds(), 2), Format.decimals(epochRounds.workerSetupSeconds(), 2),
              Format.decimals(epochRounds.updateSeconds(), 2), Format.decimals(epochRounds.resultSerialiseSeconds(), 2),
              Format.decimals(epochRounds.waitForSlowestSeconds(), 2),
              Format.decimals(epochRounds.exchangeSeconds(), 2),
              Format.decimals(epochRounds.resultsToDriverSeconds(), 2),
              Format.decimals(epochRounds.driverAveragingSeconds(), 2));
        }
        listener.accept(metrics);
        ClusterIndex epochIndex = index;
        checkpoints.save(epoch, network,
            () -> epochIndex != null ? epochIndex : finalIndex(network, examples, shape, numClasses, null), history, train, data);
      }
    } finally {
      spark.sc().removeSparkListener(rounds);
      if (options.trainingMaster() == TrainingMasterKind.SHARING) {
        GradientSharing.release(spark.sc().applicationId());
      }
    }
    MultiLayerNetwork network = sparkNet.getNetwork();
    ClusterIndex finalIndex = finalIndex(network, examples, shape, numClasses, index);
    examples.unpersist(false);
    byId.unpersist(false);
    byClass.unpersist(false);
    ModelArtifact model = new ModelArtifact(network, finalIndex, train.labelNames(), params, spec,
        train.preprocessing(), Provenance.now(train.description(), n, params.epochs()));
    return new Outcome(model, history, firstEpoch, validation == null ? null : validationCollectBytes);
  }

  /**
   * Whether this chunk's averaging rounds run in one barrier stage ({@link BarrierAveraging}); when
   * {@code averaging} cannot, the chunk falls back to DL4J's master, and the first fallback of a
   * reason is logged.
   */
  private boolean oneStage(MultiLayerNetwork network, int partitions) {
    if (options.trainingMaster() != TrainingMasterKind.AVERAGING) {
      return false;
    }
    Optional<String> why = BarrierAveraging.unavailable(spark, network, partitions);
    if (why.isPresent() && fallbacks.add(why.get())) {
      LOG.warn("averaging with DL4J's master, one Spark job a round, where one barrier stage a chunk was asked for: {}",
          why.get());
    }
    return why.isEmpty();
  }

  /**
   * Data that cannot train this objective is bad input (exit 3), not a failed training: fewer than
   * two classes with examples, or too few for the objective's batches (too few impostor clusters
   * for Magnet, too few classes with two examples for triplet).
   */
  private void checkClasses(Map<Integer, Long> classCounts, SparkDataset train) {
    if (classCounts.size() < 2) {
      String only = classCounts.isEmpty() ? "none"
          : classCounts.entrySet().stream().map(c -> (c.getKey() >= 0 && c.getKey() < train.numClasses()
              ? "'" + train.labelNames().get(c.getKey()) + "'" : "label " + c.getKey()) + " (" + c.getValue()
              + " examples)").findFirst().orElseThrow();
      throw new JobException(ExitCodes.BAD_INPUT, "training data needs examples of at least 2 classes to learn to"
          + " tell them apart; classes with examples: " + only + " in " + train.description());
    }
    try {
      objective.checkData(classCounts, train.numClasses());
    } catch (IllegalArgumentException e) {
      throw new JobException(ExitCodes.BAD_INPUT, e.getMessage() + " in " + train.description(), e);
    }
  }

  /**
   * The mean loss of the fitted network on (a seeded sample of at most {@link #SCORED_BATCHES} of)
   * the batches just fitted. DL4J's own {@code getScore()} is the last averaging round's score
   * only, far too noisy to tell whether training progresses. (Its {@code calculateScore} is not
   * used either: in local mode it frees the driver's parameter buffer along with the executor's
   * copy of the broadcast network.)
   */
  private double trainingLoss(MultiLayerNetwork network, JavaRDD<DataSet> batches, long count, long seed) {
    JavaRDD<DataSet> scored = count <= SCORED_BATCHES ? batches : batches.sample(false, (double) SCORED_BATCHES / count, seed);
    org.apache.spark.broadcast.Broadcast<NetworkSnapshot> snapshot = spark.broadcast(new NetworkSnapshot(network, nativeThreads));
    double[] sums = PartitionSums.of(scored.mapPartitions(partition -> {
      double[] acc = new double[2]; // loss × rows, rows
      if (partition.hasNext()) {
        MultiLayerNetwork copy = snapshot.value().restore();
        partition.forEachRemaining(batch -> {
          acc[0] += copy.score(batch, false) * batch.numExamples();
          acc[1] += batch.numExamples();
        });
        NetworkFactory.close(copy); // its own copy of the parameters: freed now, not at a GC
      }
      return List.of(acc).iterator();
    }), 2);
    snapshot.destroy(false);
    return sums[1] == 0 ? 0.0 : sums[0] / sums[1];
  }

  /** The index stored with the model: fresh from the final network, for every loss. */
  private ClusterIndex finalIndex(MultiLayerNetwork network, JavaRDD<Example> examples, InputShape shape, int numClasses,
      ClusterIndex last) {
    try (ExampleEmbeddings.Embedded embedded = ExampleEmbeddings.embed(spark, examples, shape, network)
        .persist("magnet final embeddings", StorageLevel.MEMORY_AND_DISK())) {
      try (SparkIndexBuilder.Refresh refresh = SparkIndexBuilder.refresh(spark, embedded.rdd(), numClasses,
          params.clustersPerClass(), last, Seeds.mix(params.seed(), -1), params.alpha(), params.kmeansIterations(),
          options.smallClassLimit())) {
        return refresh.index();
      }
    }
  }

  /**
   * Held-out metrics after an epoch: 1-NN against the training embeddings (and against the fine
   * labels when the examples carry them), and for Magnet the paper's cluster rule on an index of
   * the current embeddings.
   * Embeddings are computed on the executors and collected: 60k × 64 floats is 15 MB.
   */
  private Map<String, Double> validate(MultiLayerNetwork network, ClusterIndex index, JavaRDD<Example> examples,
      InputShape shape,
      SparkDataset validation, int numClasses) {
    ExampleEmbeddings.Collected trainSet = ExampleEmbeddings.collect(spark, examples, shape, network);
    ExampleEmbeddings.Collected testSet = ExampleEmbeddings.collect(spark, validation.examples(), shape, network);
    validationCollectBytes = Math.max(validationCollectBytes, trainSet.bytes() + testSet.bytes());
    try {
      return validationMetrics(trainSet, testSet, index, numClasses);
    } finally {
      // N·E floats on the driver each epoch: freed now, not when the garbage collector gets to them
      NetworkFactory.close(trainSet.embeddings());
      NetworkFactory.close(testSet.embeddings());
    }
  }

  private Map<String, Double> validationMetrics(ExampleEmbeddings.Collected trainSet,
      ExampleEmbeddings.Collected testSet, ClusterIndex index, int numClasses) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    KnnClassifier knn = new KnnClassifier(trainSet.embeddings(), trainSet.labels());
    metrics.put(Metric.KNN1_ACCURACY.key(), KnnClassifier.accuracy(knn.predict(testSet.embeddings(), 1), testSet.labels()));
    if (objective.classifier().metric() == Metric.CLUSTER_ACCURACY) {
      // The epoch's index was built before its training; the rule needs one of this network.
      ClusterIndex current = ClusterIndexBuilder.build(trainSet.embeddings(), trainSet.labels(), numClasses,
          params.clustersPerClass(), index, params.seed(), params.alpha(), params.kmeansIterations());
      ClusterClassifier rule = new ClusterClassifier(current.centroidMatrix(), current.clusterClasses(), numClasses,
          current.sigma2(), params.nearestClusters());
      metrics.put(Metric.CLUSTER_ACCURACY.key(), KnnClassifier.accuracy(rule.predict(testSet.embeddings()), testSet.labels()));
    }
    if (trainSet.fineLabels() != null && testSet.fineLabels() != null) {
      KnnClassifier fine = new KnnClassifier(trainSet.embeddings(), trainSet.fineLabels());
      metrics.put(Metric.KNN1_ACCURACY.fineKey(), KnnClassifier.accuracy(fine.predict(testSet.embeddings(), 1), testSet.fineLabels()));
    }
    return metrics;
  }

  private static String describe(Map<String, Double> metrics) {
    StringBuilder text = new StringBuilder();
    metrics.forEach((name, value) -> text.append(name).append(' ').append(String.format("%.4f", value)).append(' '));
    return text.toString();
  }

  /** CPU time of this JVM, native threads included; -1 where the JVM cannot tell. */
  private static long processCpuNanos() {
    return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : -1;
  }

  private static final class Phases {
    double embed;
    double index;
    double plan;
    double materialise;
    double fit;
    /** CPU seconds of this JVM during fit: all executors' in local mode; steady on a shared machine. */
    double fitCpu;
    /** Fit seconds outside the workers' mini-batch updates ({@link WorkerClock}). */
    double averaging;
    double score;

    double total() {
      return embed + index + plan + materialise + fit + score;
    }
  }
}
