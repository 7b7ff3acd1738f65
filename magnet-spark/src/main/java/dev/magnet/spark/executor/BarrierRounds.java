package dev.magnet.spark.executor;

import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.nn.NetworkFactory;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * until every task's batches are fitted. With a lag of 0 a round computes what DL4J's
 * {@code ParameterAveragingTrainingMaster} computes (the mean over the workers that fitted
 * batches, updater state included); with a lag of k a task fits k batches of the next round
 * while a round is averaged, then takes its mean in ({@link Overlapped}). What it no longer does
 * is start a Spark job, broadcast the parameters, launch and deserialise tasks, rebuild every
 * worker's network and collect the results on the driver, each round (docs/scaling.md,
 * "Averaging in one stage" and "Overlapped rounds").
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
  private final int lag;
  /** How often a task waiting on its exchange checks whether Spark killed it. */
  private static final long CHECK_MILLIS = 10;

  /**
   * @param start the network the chunk starts from; its id also names the exchange's blocks, which
   *     go when the driver destroys it
   * @param frequency batches each task fits between averagings
   * @param hooks called around every {@code network.fit(batch)}, as DL4J's worker calls them
   * @param nativeThreads ND4J threads per task ({@link NativeThreads#perTask}); 0 leaves them as they are
   * @param inMemory whether tasks that all run in one JVM average through its memory
   *     ({@link MemoryAllReduce}); false keeps them on the block manager, as between JVMs (a test's
   *     comparison of the two)
   * @param lag batches of the next round a task fits before it takes a round's mean in, its
   *     exchange running beside them ({@link Overlapped}; at most {@code frequency}); 0: every task
   *     waits for the mean before it goes on, as DL4J's parameter averaging
   */
  public BarrierRounds(Broadcast<NetBroadcastTuple> start, int frequency, List<TrainingHook> hooks, int nativeThreads,
      boolean inMemory, int lag) {
    if (frequency < 1) {
      throw new IllegalArgumentException("frequency must be positive; frequency=" + frequency);
    }
    this.start = start;
    this.frequency = frequency;
    this.hooks = List.copyOf(hooks);
    this.nativeThreads = nativeThreads;
    this.inMemory = inMemory;
    if (lag < 0) {
      throw new IllegalArgumentException("lag must be >= 0; lag=" + lag);
    }
    this.lag = Math.min(lag, frequency);
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
    Rounds loop = null;
    try {
      ShardedAllReduce blocks = new ShardedAllReduce(task, task.numPartitions(), start.id());
      int rounds = (blocks.max(batches.size()) + frequency - 1) / frequency;
      INDArray params = network.params();
      Updater updater = network.getUpdater();
      INDArray state = updater == null ? null : updater.getStateViewArray();
      Vector vector = new Vector(params, state);
      if (inMemory && blocks.oneJvm()) {
        memory = new MemoryAllReduce(task, blocks, task.numPartitions(), start.id(), vector.length());
      }
      AllReduce exchange = memory != null ? memory : blocks;
      loop = lag > 0 ? new Overlapped(exchange, vector, task) : new InStep(exchange, vector);
      double updates = 0;
      LossGuard.NonFiniteTraining diverged = null;
      int r = 0;
      for (; r < rounds; r++) {
        int from = Math.min(batches.size(), r * frequency);
        int to = Math.min(batches.size(), from + frequency);
        long fitStart = System.nanoTime();
        long takingIn = 0;
        try {
          List<DataSet> round = diverged == null ? batches.subList(from, to) : List.of();
          for (int b = 0; b < round.size(); b++) {
            if (b == lag) {
              long takeStart = System.nanoTime();
              boolean going = loop.takeIn();
              takingIn += System.nanoTime() - takeStart;
              if (!going) {
                break;
              }
            }
            DataSet batch = round.get(b);
            hooks.forEach(h -> h.preUpdate(batch, network));
            network.fit(batch);
            hooks.forEach(h -> h.postUpdate(batch, network));
          }
        } catch (LossGuard.NonFiniteTraining e) {
          diverged = e; // every task stops at this round's exchange; the driver names the batch
        }
        Nd4j.getExecutioner().commit();
        updates += (System.nanoTime() - fitStart - takingIn) / 1e9;
        if (!loop.round(to > from && diverged == null, diverged != null)) {
          break;
        }
      }
      boolean stopped = r < rounds || !loop.last();
      if (!stopped) {
        exchange.finish();
      }
      return new Result(stopped ? r : rounds, updates, loop.waitSeconds(), loop.exchangeSeconds(),
          (System.nanoTime() - taskStart) / 1e9,
          task.stageAttemptNumber(),
          network.getLayerWiseConfigurations().getIterationCount(), diverged, memory != null);
    } finally {
      if (loop != null) {
        loop.close();
      }
      if (memory != null) {
        memory.close();
      }
      NetworkFactory.close(network);
    }
  }

  /** A network's parameters and updater state, copied to and from one float vector in that order. */
  private record Vector(INDArray params, INDArray state) {
    int length() {
      return (int) params.length() + (state == null ? 0 : (int) state.length());
    }

    void copyTo(float[] to) {
      copyOut(params, to, 0);
      if (state != null) {
        copyOut(state, to, (int) params.length());
      }
    }

    void copyFrom(float[] from) {
      assign(from, 0, params);
      if (state != null) {
        assign(from, (int) params.length(), state);
      }
    }
  }

  /** What a task does at the end of each round's updates, in step with its peers or one round behind them. */
  private interface Rounds extends AutoCloseable {
    /**
     * Ends a round: averages with the peers (or hands this round to the exchange and takes the
     * round before's mean in); false when a task asked every task to stop.
     *
     * @param contributes whether this task fitted batches this round
     * @param stop whether this task diverged
     */
    boolean round(boolean contributes, boolean stop);

    /**
     * Takes the round before's mean in, where the rounds overlap; called after {@code lag} of a
     * round's batches. False when a task asked every task to stop.
     */
    boolean takeIn();

    /** Ends the stage's rounds, which all ran; false when a task asked to stop at the last one. */
    boolean last();

    double waitSeconds();

    double exchangeSeconds();

    /** Stops whatever the rounds run beside the task. */
    @Override
    default void close() {}
  }

  /**
   * Every round's mean taken in before the next round starts: DL4J's parameter averaging, round
   * for round; a task waits at each exchange for the slowest.
   */
  private static final class InStep implements Rounds {
    private final AllReduce exchange;
    private final Vector network;
    private final float[] vector;

    InStep(AllReduce exchange, Vector network) {
      this.exchange = exchange;
      this.network = network;
      this.vector = new float[network.length()];
    }

    @Override
    public boolean round(boolean contributes, boolean stop) {
      if (contributes) {
        network.copyTo(vector);
      }
      int averaged = exchange.average(vector, contributes, stop);
      if (averaged > 0) {
        network.copyFrom(vector);
      }
      return averaged != AllReduce.STOPPED;
    }

    @Override
    public boolean takeIn() {
      return true;
    }

    @Override
    public boolean last() {
      return true;
    }

    @Override
    public double waitSeconds() {
      return exchange.waitSeconds();
    }

    @Override
    public double exchangeSeconds() {
      return exchange.exchangeSeconds();
    }
  }

  /**
   * Each round's exchange runs on a thread of its own while the task fits the next round's first
   * {@code lag} batches; the task then takes the mean in as a correction: with {@code x} the vector
   * it sent at round r and {@code m} the round's mean, it adds {@code m - x} to what it has. So what
   * it sends at round r + 1 is the mean of round r plus its own updates of round r + 1, the first
   * {@code lag} of them computed from its own vector instead of the mean; the mean of those is the
   * mean of round r plus the workers' mean update. A task waits only for a peer more than
   * {@code lag} batches behind it. The stage's last mean is taken in whole. The values depend on
   * the rounds and the lag only, not on which task was faster, so a stage run again gives the
   * same bits (docs/scaling.md, "Overlapped rounds").
   */
  private static final class Overlapped implements Rounds {
    private final AllReduce exchange;
    private final Vector network;
    private final BarrierTaskContext task;
    private final ExecutorService behind;
    /** What this task has now; sent at the end of the round. */
    private float[] now;
    /** What it sent at the round in flight, which that round's mean replaces. */
    private float[] sent;
    /** A copy of what it sent, which the correction takes away. */
    private final float[] own;
    private Future<Integer> inFlight;
    private boolean stopped;
    private double waitSeconds;
    private double exchangeSeconds;

    /**
     * @param exchange the stage's exchange, whose first step ({@link ShardedAllReduce#max}) has
     *     run: its wait for the peers to start counts as this task's, what its rounds wait for on
     *     the thread beside the updates does not
     */
    Overlapped(AllReduce exchange, Vector network, BarrierTaskContext task) {
      this.waitSeconds = exchange.waitSeconds();
      this.exchangeSeconds = exchange.exchangeSeconds();
      this.exchange = exchange;
      this.network = network;
      this.task = task;
      this.behind = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "magnet averaging, stage " + task.stageId() + " task " + task.partitionId());
        thread.setDaemon(true);
        return thread;
      });
      this.now = new float[network.length()];
      this.sent = new float[network.length()];
      this.own = new float[network.length()];
    }

    @Override
    public boolean takeIn() {
      if (inFlight == null) {
        return !stopped;
      }
      stopped = timed(() -> {
        int averaged = collect();
        if (averaged > 0) {
          network.copyTo(now);
          for (int i = 0; i < now.length; i++) {
            now[i] += sent[i] - own[i];
          }
          network.copyFrom(now);
        }
        return averaged;
      }) == AllReduce.STOPPED;
      return !stopped;
    }

    @Override
    public boolean round(boolean contributes, boolean stop) {
      if (!takeIn()) {
        return false;
      }
      long begin = System.nanoTime();
      network.copyTo(now);
      System.arraycopy(now, 0, own, 0, now.length);
      float[] out = now;
      now = sent;
      sent = out;
      inFlight = behind.submit(() -> exchange.average(out, contributes, stop));
      exchangeSeconds += (System.nanoTime() - begin) / 1e9;
      return true;
    }

    @Override
    public boolean last() {
      if (inFlight == null) {
        return !stopped; // a stage of no rounds: nothing was sent
      }
      return timed(() -> {
        int averaged = collect();
        if (averaged > 0) {
          network.copyFrom(sent); // the stage's last mean, taken in whole
        }
        return averaged;
      }) != AllReduce.STOPPED;
    }

    /** Runs a step; its time goes to {@link #exchangeSeconds}, less what {@link #collect} waited. */
    private int timed(java.util.function.IntSupplier step) {
      long begin = System.nanoTime();
      double waitedBefore = waitSeconds;
      try {
        return step.getAsInt();
      } finally {
        exchangeSeconds += (System.nanoTime() - begin) / 1e9 - (waitSeconds - waitedBefore);
      }
    }

    @Override
    public void close() {
      behind.shutdownNow();
    }

    /** The round in flight's answer, once its exchange is over; a peer's failure or this task's kill ends the wait. */
    private int collect() {
      long begin = System.nanoTime();
      try {
        while (true) {
          try {
            return inFlight.get(CHECK_MILLIS, TimeUnit.MILLISECONDS);
          } catch (TimeoutException e) {
            task.killTaskIfInterrupted();
          }
        }
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        task.killTaskIfInterrupted();
        throw new IllegalStateException("task " + task.partitionId() + " was interrupted waiting for its exchange", e);
      } finally {
        inFlight = null;
        waitSeconds += (System.nanoTime() - begin) / 1e9;
      }
    }

    @Override
    public double waitSeconds() {
      return waitSeconds;
    }

    /** The task's own share: its copies and corrections; the exchange itself runs beside its updates. */
    @Override
    public double exchangeSeconds() {
      return exchangeSeconds;
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
