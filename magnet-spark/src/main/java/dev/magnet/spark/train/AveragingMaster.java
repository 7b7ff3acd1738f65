package dev.magnet.spark.train;

import dev.magnet.core.nn.NetworkFactory;
import java.util.Collection;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingAggregationTuple;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingElementAddFunction;
import org.deeplearning4j.spark.impl.paramavg.aggregator.ParameterAveragingElementCombineFunction;
import org.deeplearning4j.core.storage.StatsStorageRouterProvider;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's parameter averaging, each round's broadcast destroyed once the round is averaged, and
 * each round timed ({@link AveragingRounds}).
 *
 * <p>DL4J 1.0.0-M2's master broadcasts the network's parameters and updater state at the start of
 * every averaging round ({@code getWorkerInstance}) and never destroys the broadcast: its blocks
 * (the value on the driver and in every executor's block manager, and the serialised pieces)
 * stay until a driver GC collects the {@code Broadcast} and Spark's context cleaner removes them.
 * With fmnist-cnn that is 8.4 MB of native arrays and as many bytes of pieces a round, 62 rounds
 * an epoch on the full set; the embedded mode's almost empty heap collects late, so they piled up
 * (docs/benchmarks.md, "Where the memory goes"). This class builds the same worker from the same
 * broadcast as DL4J's {@code getWorkerInstance} does, and destroys the broadcast after the round.
 *
 * <p>It also frees, as soon as they are done with, the native arrays DL4J leaves to the garbage
 * collector every round (ND4J frees an array's native memory only when its Java object is
 * collected): on the driver, the workers' summed parameters and updater state once they are
 * copied into the network ({@link #processResults}) and each result added into another
 * ({@link ClosingCombine}); on the workers, the previous round's networks ({@link RoundNetworks}).
 * The rounds' data, order and arithmetic are DL4J's: results are identical to the bit.
 */
final class AveragingMaster extends ParameterAveragingTrainingMaster {
  private final transient AveragingRounds rounds;
  /** Tells this training's networks from another's in an executor's {@link RoundNetworks}. */
  private final String training = UUID.randomUUID().toString();
  private long round;
  /** The current round's broadcast; destroyed when the round ends. */
  private transient Broadcast<NetBroadcastTuple> roundBroadcast;

  AveragingMaster(Builder builder, AveragingRounds rounds) {
    super(builder);
    this.rounds = rounds;
  }

  /** DL4J's {@code getWorkerInstance} (without its training stats, which Magnet does not collect), broadcast kept. */
  @Override
  public ParameterAveragingTrainingWorker getWorkerInstance(SparkDl4jMultiLayer network) {
    long start = System.nanoTime();
    NetBroadcastTuple tuple = new NetBroadcastTuple(network.getNetwork().getLayerWiseConfigurations(),
        network.getNetwork().params(), network.getNetwork().getUpdater().getStateViewArray());
    roundBroadcast = network.getSparkContext().broadcast(tuple);
    rounds.broadcast(System.nanoTime() - start);
    WorkerConfiguration configuration = new WorkerConfiguration(false, rddDataSetNumExamples, batchSizePerWorker,
        averagingFrequency, prefetchNumBatches, collectTrainingStats);
    // A speculative copy of a finished round's task may still use its network: then none is freed early.
    boolean freeFinished = !network.getSparkContext().getConf().getBoolean("spark.speculation", false);
    return new Worker(roundBroadcast, saveUpdater, configuration, trainingHookList, listeners, getRouterProvider(),
        training, ++round, freeFinished);
  }

  /**
   * DL4J's {@code processResults} for a network (Magnet trains no computation graph, and collects
   * neither training stats nor listener storage), with the summed arrays freed once the network
   * holds copies of them: {@code setParameters} and {@code setStateViewArray} assign into the
   * network's own arrays.
   */
  @Override
  protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
      JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
    if (network == null || collectTrainingStats || statsStorage != null) {
      super.processResults(network, graph, results, splitNum, totalSplits);
      return;
    }
    ParameterAveragingAggregationTuple tuple = results.treeAggregate(null, new ParameterAveragingElementAddFunction(),
        new ClosingCombine(), aggregationDepth);
    INDArray params = tuple.getParametersSum();
    if (params == null) {
      return; // an imbalanced split with no data for any executor, as DL4J skips it
    }
    int count = tuple.getAggregationsCount();
    params.divi(count);
    INDArray updaterState = tuple.getUpdaterStateSum();
    if (updaterState != null) {
      updaterState.divi(count);
    }
    MultiLayerNetwork net = network.getNetwork();
    net.setParameters(params);
    if (updaterState != null) {
      net.getUpdater().setStateViewArray(null, updaterState, false);
    }
    network.setScore(tuple.getScoreSum() / count);
    Nd4j.getExecutioner().commit();
    if (params != net.params()) {
      NetworkFactory.close(params);
    }
    Updater updater = net.getUpdater(false);
    if (updaterState != null && (updater == null || updaterState != updater.getStateViewArray())) {
      NetworkFactory.close(updaterState);
    }
    net.getLayerWiseConfigurations().setIterationCount(net.getLayerWiseConfigurations().getIterationCount()
        + averagingFrequency);
  }

  /**
   * DL4J's combine of two partial sums, the second freed once added into the first. Where Spark
   * calls it with two sums (on the driver, or a tree aggregation's reduce side), the second is
   * a deserialised copy no one else holds; a partition's own sum, which is its worker network's
   * own arrays, only ever meets the empty zero value.
   */
  static final class ClosingCombine extends ParameterAveragingElementCombineFunction {
    @Override
    public ParameterAveragingAggregationTuple call(ParameterAveragingAggregationTuple v1,
        ParameterAveragingAggregationTuple v2) throws Exception {
      ParameterAveragingAggregationTuple sum = super.call(v1, v2);
      if (v1 != null && v2 != null && sum.getParametersSum() != v2.getParametersSum()) {
        NetworkFactory.close(v2.getParametersSum());
        if (sum.getUpdaterStateSum() != v2.getUpdaterStateSum()) {
          NetworkFactory.close(v2.getUpdaterStateSum());
        }
      }
      return sum;
    }
  }

  /** DL4J's worker, whose network is freed when a later round of the same training starts in this JVM. */
  static final class Worker extends ParameterAveragingTrainingWorker {
    private final String training;
    private final long round;
    private final boolean freeFinished;

    Worker(Broadcast<NetBroadcastTuple> broadcast, boolean saveUpdater, WorkerConfiguration configuration,
        Collection<TrainingHook> hooks, Collection<TrainingListener> listeners, StatsStorageRouterProvider router,
        String training, long round, boolean freeFinished) {
      super(broadcast, saveUpdater, configuration, hooks, listeners, router);
      this.training = training;
      this.round = round;
      this.freeFinished = freeFinished;
    }

    @Override
    public MultiLayerNetwork getInitialModel() {
      if (!freeFinished) {
        return super.getInitialModel();
      }
      RoundNetworks.closeBefore(training, round);
      MultiLayerNetwork network = super.getInitialModel();
      RoundNetworks.hold(training, round, network);
      return network;
    }
  }

  @Override
  protected void doIteration(SparkDl4jMultiLayer network, JavaRDD<DataSet> split, int splitNum, int numSplits) {
    rounds.roundStarts(network.getSparkContext().sc());
    try {
      super.doIteration(network, split, splitNum, numSplits);
    } finally {
      rounds.roundEnds(network.getSparkContext().sc());
      if (roundBroadcast != null) {
        roundBroadcast.destroy(false);
        roundBroadcast = null;
      }
    }
  }
}
