package dev.magnet.spark.executor;

import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.nn.NetworkFactory;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction1;

/**
 * Parameter averaging with every round inside one barrier stage: a task per worker builds its
 * network once from the chunk's broadcast, fits {@code frequency} of its batches, averages
 * parameters and updater state with the other tasks ({@link AllReduce}: through this JVM's memory
 * when every task runs here, through Spark's block manager otherwise), and goes on from the mean,
 * until every task's batches are fitted. What a round computes is what DL4J's
 * {@code ParameterAveragingTrainingMaster} computes (the mean over the workers that fitted
 * batches, updater state included); what it no longer does is start a Spark job, broadcast the
 * parameters, launch and deserialise tasks, rebuild every worker's network and collect the
 * results on the driver, each round (docs/scaling.md, "Averaging in one stage").
 *
 * <p>A task fits its partition's batches in the order of their number in the chunk's plan
 * ({@link LossGuard#tag}), so that a retried stage fits them alike. When a task fails, Spark
 * fails the stage and runs all of its tasks again from the chunk's broadcast.
 */
public final class BarrierRounds extends AbstractFunction1<scala.collection.Iterator<DataSet>,
    scala.collection.Iterator<BarrierRounds.Result>> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Broadcast<NetBroadcastTuple> start;
  private final int frequency;
  private final List<TrainingHook> hooks;
  private final int nativeThreads;
  private final boolean inMemory;

  /**
   * @param start the network the chunk starts from; its id also names the exchange's blocks, which
   *     go when the driver destroys it
   * @param frequency batches each task fits between averagings
   * @param hooks called around every {@code network.fit(batch)}, as DL4J's worker calls them
   * @param nativeThreads ND4J threads per task ({@link NativeThreads#perTask}); 0 leaves them as they are
   * @param inMemory whether tasks that all run in one JVM average through its memory
   *     ({@link MemoryAllReduce}); false keeps them on the block manager, as between JVMs (a test's
   *     comparison of the two)
   */
  public BarrierRounds(Broadcast<NetBroadcastTuple> start, int frequency, List<TrainingHook> hooks, int nativeThreads,
      boolean inMemory) {
    if (frequency < 1) {
      throw new IllegalArgumentException("frequency must be positive; frequency=" + frequency);
    }
    this.start = start;
    this.frequency = frequency;
    this.hooks = List.copyOf(hooks);
    this.nativeThreads = nativeThreads;
    this.inMemory = inMemory;
  }

  /**
   * What a task reports: its times, and where the driver finds the averaged network (every task
   * ends with the same one: {@link #averaged}).
   *
   * @param rounds averaging rounds the stage ran
   * @param updateSeconds the task's {@code network.fit(batch)} calls
   * @param waitSeconds waiting for peers' blocks that were not there yet (the wait for the slowest task, mostly)
   * @param exchangeSeconds copying, sending, fetching and averaging the shards
   * @param runSeconds the whole task, from its first batch read to its result (what is not
   *     updates, wait or exchange is its set-up: reading its batches, building its network)
   * @param stageAttempt the attempt of the stage this task ran in
   * @param iterations the task's network's iteration count at the end
   * @param diverged what stopped this task's updates, or null: when a task diverges, every task
   *     stops at the round's exchange and the driver keeps its network as it was
   * @param inMemory whether the tasks averaged through one JVM's memory, not the block manager
   */
  public record Result(int rounds, double updateSeconds, double waitSeconds,
      double exchangeSeconds, double runSeconds, int stageAttempt, int iterations,
      LossGuard.NonFiniteTraining diverged, boolean inMemory) implements Serializable {}

  /**
   * The parameters and updater state (one vector, in that order) the stage's tasks ended with,
   * read on the driver from the block manager once the stage has succeeded, or null when no round
   * averaged anything; the driver's destroying of {@code start} removes them after.
   *
   * @param result any task's result
   * @param tasks the stage's tasks
   */
  public static float[] averaged(Broadcast<NetBroadcastTuple> start, Result result, int tasks) {
    return ShardedAllReduce.lastMean(start.id(), result.stageAttempt(), result.rounds(), tasks);
  }

  /** The task: for {@code RDDBarrier.mapPartitions}, which takes Scala's function and iterators. */
  @Override
  public scala.collection.Iterator<Result> apply(scala.collection.Iterator<DataSet> partition) {
    return JavaConverters.asScalaIterator(List.of(run(JavaConverters.asJavaIterator(partition))).iterator());
  }

  private Result run(Iterator<DataSet> partition) {
    long taskStart = System.nanoTime();
    BarrierTaskContext task = BarrierTaskContext.get();
    List<DataSet> batches = new ArrayList<>();
    partition.forEachRemaining(batches::add);
    batches.sort(Comparator.comparingInt(LossGuard::numberOf));
    MultiLayerNetwork network = build(start.value());
    MemoryAllReduce memory = null;
    try {
      ShardedAllReduce blocks = new ShardedAllReduce(task, task.numPartitions(), start.id());
      int rounds = (blocks.max(batches.size()) + frequency - 1) / frequency;
      INDArray params = network.params();
      Updater updater = network.getUpdater();
      INDArray state = updater == null ? null : updater.getStateViewArray();
      int p = (int) params.length();
      int s = state == null ? 0 : (int) state.length();
      float[] vector = new float[p + s];
      if (inMemory && blocks.oneJvm()) {
        memory = new MemoryAllReduce(task, blocks, task.numPartitions(), start.id(), vector.length);
      }
      AllReduce exchange = memory != null ? memory : blocks;
      double updates = 0;
      LossGuard.NonFiniteTraining diverged = null;
      int r = 0;
      for (; r < rounds; r++) {
        int from = Math.min(batches.size(), r * frequency);
        int to = Math.min(batches.size(), from + frequency);
        long fitStart = System.nanoTime();
        try {
          for (DataSet batch : batches.subList(from, to)) {
            hooks.forEach(h -> h.preUpdate(batch, network));
            network.fit(batch);
            hooks.forEach(h -> h.postUpdate(batch, network));
          }
        } catch (LossGuard.NonFiniteTraining e) {
          diverged = e; // every task stops at this round's exchange; the driver names the batch
        }
        Nd4j.getExecutioner().commit();
        updates += (System.nanoTime() - fitStart) / 1e9;
        if (to > from && diverged == null) {
          copyOut(params, vector, 0);
          if (state != null) {
            copyOut(state, vector, p);
          }
        }
        int averaged = exchange.average(vector, to > from, diverged != null);
        if (averaged == AllReduce.STOPPED) {
          break;
        }
        if (averaged > 0) {
          assign(vector, 0, params);
          if (state != null) {
            assign(vector, p, state);
          }
        }
      }
      boolean stopped = r < rounds;
      if (!stopped) {
        exchange.finish();
      }
      return new Result(r, updates, exchange.waitSeconds(), exchange.exchangeSeconds(),
          (System.nanoTime() - taskStart) / 1e9,
          task.stageAttemptNumber(),
          network.getLayerWiseConfigurations().getIterationCount(), diverged, memory != null);
    } finally {
      if (memory != null) {
        memory.close();
      }
      NetworkFactory.close(network);
    }
  }

  /** DL4J's worker network: a private copy of the configuration, parameters and updater state. */
  private MultiLayerNetwork build(NetBroadcastTuple tuple) {
    if (nativeThreads > 0) {
      NativeThreads.apply(nativeThreads);
    }
    MultiLayerNetwork network = new MultiLayerNetwork(tuple.getConfiguration().clone());
    network.init(tuple.getParameters().dup(), false);
    if (tuple.getUpdaterState() != null) {
      network.setUpdater(new MultiLayerUpdater(network, tuple.getUpdaterState().dup()));
    }
    if (network.params().dataType() != DataType.FLOAT) {
      throw new IllegalStateException("averaging in one stage exchanges float parameters; the network's are "
          + network.params().dataType());
    }
    Nd4j.getExecutioner().commit();
    return network;
  }

  /** Copies {@code from}'s values into {@code to} from {@code offset} on. */
  private static void copyOut(INDArray from, float[] to, int offset) {
    if (wholeBuffer(from)) {
      from.data().asNioFloat().get(to, offset, (int) from.length()); // one bulk copy from native memory
    } else {
      float[] values = from.toFloatVector();
      System.arraycopy(values, 0, to, offset, values.length);
    }
  }

  /** Copies {@code to.length()} values of {@code from}, from {@code offset} on, into {@code to}. */
  public static void assign(float[] from, int offset, INDArray to) {
    if (wholeBuffer(to)) {
      to.data().asNioFloat().put(from, offset, (int) to.length()); // one bulk copy into native memory
      return;
    }
    float[] part = new float[(int) to.length()];
    System.arraycopy(from, offset, part, 0, part.length);
    INDArray values = Nd4j.create(part, to.shape(), to.ordering());
    to.assign(values);
    NetworkFactory.close(values);
  }

  /**
   * Whether the array is its float buffer, whole and in order ({@link Matrices#isDense}): a
   * network's flattened parameters and its updater's state are.
   */
  private static boolean wholeBuffer(INDArray array) {
    return array.dataType() == DataType.FLOAT && Matrices.isDense(array);
  }
}
