package dev.magnet.spark.train;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.deeplearning4j.spark.api.WorkerConfiguration;
import org.nd4j.linalg.dataset.DataSet;

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
 * The rounds' data, order and arithmetic are DL4J's: results are identical to the bit.
 */
final class AveragingMaster extends ParameterAveragingTrainingMaster {
  private final transient AveragingRounds rounds;
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
    return new ParameterAveragingTrainingWorker(roundBroadcast, saveUpdater, configuration, trainingHookList, listeners,
        getRouterProvider());
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
