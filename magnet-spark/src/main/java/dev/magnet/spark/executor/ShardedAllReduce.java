package dev.magnet.spark.executor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.spark.TaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.BroadcastBlockId;
import org.apache.spark.storage.StorageLevel;
import scala.Option;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The mean of one vector per task of a barrier stage, given back to every task: a reduce-scatter
 * then an all-gather (Thakur, Rabenseifner and Gropp 2005), with Spark's block manager as the
 * transport: a task waits for a peer's block to appear. The barrier stage only makes Spark start
 * every task at once, and fail and retry them together.
 *
 * <p>The vector is cut into one shard per task. Each task puts the shards of its vector that
 * others own into its block manager, averages the shard it owns from every task's copy, puts the
 * mean, and assembles the whole mean from every task's averaged shard. A task sends and receives
 * about twice the vector a round whatever the number of tasks, and nothing passes through the
 * driver but the block-manager master's answers to where a block is. Between executors the blocks
 * travel as Spark's broadcast pieces do. When the first step ({@link #max}) finds every task in
 * one JVM, the rounds go through its memory instead ({@link MemoryAllReduce}); this class then
 * only leaves the last mean for the driver ({@link #leaveMean}).
 *
 * <p>Why by hand: Spark has no all-reduce (MLlib's {@code treeAggregate} returns to the driver),
 * and its barrier mode's {@code barrier()} and {@code allGather} wait in steps of a second (Spark
 * 3.5's {@code BarrierTaskContext} polls its reply with {@code Thread.sleep(1000)}: 36 s of a
 * 20k epoch's 44 s fit went there, where a round's work is about 0.3 s), and carry strings
 * through the driver, every task's to every task. DL4J's parameter averaging runs one Spark job a
 * round (docs/scaling.md, "Averaging in one stage").
 *
 * <p>The blocks are named under a broadcast of the driver's ({@code namespace}): when the driver
 * destroys that broadcast, Spark removes every block named under it on every executor, so a task
 * that fails midway leaves nothing behind once its stage is over. In between, each task removes its
 * blocks of a round once every task has started the next one, so at most two rounds' blocks
 * exist. A task whose peer never shows is stopped by Spark: a failed task fails its barrier
 * stage, and Spark then marks the others killed, which the wait checks.
 */
final class ShardedAllReduce implements AllReduce {
  private static final ClassTag<float[]> FLOATS = ClassTag$.MODULE$.apply(float[].class);
  /** The wait for a peer's block starts polling every 20 µs and backs off to every 1 ms. */
  private static final long FIRST_POLL_NANOS = 20_000;
  private static final long LAST_POLL_NANOS = 1_000_000;
  /** How long a task waits for a peer that Spark has not stopped before it gives up. */
  static final long PEER_TIMEOUT_NANOS = TimeUnit.HOURS.toNanos(1);
  /** This JVM among the stage's: 48 random bits, as three floats that hold 16 bits each exactly. */
  private static final float[] JVM = jvmMark();

  private final TaskContext task;
  private final BlockManager blocks = SparkEnv.get().blockManager();
  private final long namespace;
  private final int attempt;
  /** Whether peers need the driver's block manager master to find this task's blocks (not in local mode). */
  private final boolean tellMaster;
  private final int tasks;
  private final int me;
  /** This task's blocks of the round before; removed once every task has started the next. */
  private List<BlockId> previous = new ArrayList<>();
  private List<BlockId> current = new ArrayList<>();
  /** The vector's length, fixed by the first round. */
  private int length = -1;
  /** Whether every task of the stage runs in this JVM, as {@link #max} found. */
  private boolean oneJvm;
  private int round;
  private double waitSeconds;
  private double exchangeSeconds;

  /**
   * @param tasks the stage's tasks, all of which take part
   * @param namespace the id of a broadcast the driver destroys when the stage is over
   */
  ShardedAllReduce(TaskContext task, int tasks, long namespace) {
    this.task = task;
    this.namespace = namespace;
    this.attempt = task.stageAttemptNumber();
    // In local mode every task runs in the driver's JVM and finds its peers' blocks in the one block manager.
    this.tellMaster = !blocks.blockManagerId().isDriver();
    this.tasks = tasks;
    this.me = task.partitionId();
  }

  /**
   * The largest of the tasks' values, known to every task; the first step of every stage. It also
   * tells each task whether all of them run in this JVM ({@link #oneJvm}).
   */
  int max(int value) {
    return timed(() -> maxOf(value));
  }

  private int maxOf(int value) {
    put(id("n" + me), new float[] {value, JVM[0], JVM[1], JVM[2]});
    int max = value;
    boolean here = true;
    for (int t = 0; t < tasks; t++) {
      if (t != me) {
        float[] theirs = await(id("n" + t));
        max = Math.max(max, (int) theirs[0]);
        here &= theirs[1] == JVM[0] && theirs[2] == JVM[1] && theirs[3] == JVM[2];
      }
    }
    oneJvm = here;
    return max;
  }

  /**
   * Whether every task of the stage runs in this JVM, so that they can average through its memory
   * ({@link MemoryAllReduce}); known to every task alike once {@link #max} has run.
   */
  boolean oneJvm() {
    return oneJvm;
  }

  /**
   * Leaves this task's shard of a round's mean where {@link #lastMean} reads it, for a stage whose
   * rounds were averaged another way; it goes with the driver's broadcast.
   *
   * @param round the stage's last round, 0-based
   * @param mean the whole mean, of which this task's shard is kept
   */
  void leaveMean(int round, float[] mean) {
    bind(mean);
    put(id(round, "m" + me), slice(mean, me));
  }

  private static float[] jvmMark() {
    long bits = new java.security.SecureRandom().nextLong();
    return new float[] {bits & 0xffff, (bits >>> 16) & 0xffff, (bits >>> 32) & 0xffff};
  }

  @Override
  public int average(float[] values, boolean contributes, boolean stop) {
    return timed(() -> averageOf(values, contributes, stop));
  }

  private int averageOf(float[] values, boolean contributes, boolean stop) {
    bind(values);
    int r = round++;
    if (contributes && !stop) {
      for (int shard = 0; shard < tasks; shard++) {
        if (shard != me) {
          put(id(r, "w" + me + "_s" + shard), slice(values, shard));
        }
      }
    }
    put(id(r, "f" + me), new float[] {stop ? -1 : contributes ? 1 : 0});
    boolean[] counts = new boolean[tasks];
    boolean stopped = stop;
    counts[me] = contributes && !stop;
    for (int t = 0; t < tasks; t++) {
      if (t != me) {
        float flag = await(id(r, "f" + t))[0];
        stopped |= flag < 0;
        counts[t] = flag > 0;
      }
    }
    // Every task has started this round, so it is done with every block of the round before.
    removePrevious();
    if (stopped) {
      return STOPPED; // what this round put goes with the driver's broadcast
    }
    int count = 0;
    int lo = from(me);
    float[] mean = new float[from(me + 1) - lo];
    for (int t = 0; t < tasks; t++) { // in task order, so every attempt sums alike
      if (!counts[t]) {
        continue;
      }
      count++;
      float[] theirs = t == me ? null : await(id(r, "w" + t + "_s" + me));
      for (int i = 0; i < mean.length; i++) {
        mean[i] += t == me ? values[lo + i] : theirs[i];
      }
    }
    if (count == 0) {
      return 0;
    }
    for (int i = 0; i < mean.length; i++) {
      mean[i] /= count;
    }
    put(id(r, "m" + me), mean);
    for (int shard = 0; shard < tasks; shard++) {
      float[] part = shard == me ? mean : await(id(r, "m" + shard));
      System.arraycopy(part, 0, values, from(shard), part.length);
    }
    return count;
  }

  /**
   * Waits for every task to have read this one's last blocks, and removes them, all but two that
   * go with the driver's broadcast: the mark that says so, which peers may still be waiting for,
   * and this task's shard of the last mean, which the driver reads ({@link #lastMean}).
   */
  @Override
  public void finish() {
    timed(() -> {
      finishNow();
      return 0;
    });
  }

  private void finishNow() {
    BlockId done = id("d" + me);
    put(done, new float[] {1});
    for (int t = 0; t < tasks; t++) {
      if (t != me) {
        await(id("d" + t));
      }
    }
    current.remove(done);
    previous.remove(id(round - 1, "m" + me));
    current.remove(id(round - 1, "m" + me));
    removePrevious();
    removePrevious();
  }

  /**
   * The mean of the last round, read on the driver from the tasks' shards once the stage is over,
   * or null when no round averaged anything. Every task's copy of the mean is this one.
   *
   * @param stageAttempt the attempt of the stage whose tasks succeeded
   * @param rounds the rounds they ran
   */
  static float[] lastMean(long namespace, int stageAttempt, int rounds, int tasks) {
    if (rounds == 0) {
      return null;
    }
    BlockManager blocks = SparkEnv.get().blockManager();
    List<float[]> shards = new ArrayList<>();
    int length = 0;
    for (int shard = 0; shard < tasks; shard++) {
      BlockId id = blockId(namespace, stageAttempt, "r" + (rounds - 1) + "_m" + shard);
      float[] part = read(blocks, id, false);
      if (part == null) {
        return null; // the last round had no contributor: nothing was averaged
      }
      shards.add(part);
      length += part.length;
    }
    float[] mean = new float[length];
    int at = 0;
    for (float[] part : shards) {
      System.arraycopy(part, 0, mean, at, part.length);
      at += part.length;
    }
    return mean;
  }

  /** Runs a step of the exchange; its time goes to {@link #exchangeSeconds}, less what it waited for peers. */
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
  public double waitSeconds() {
    return waitSeconds;
  }

  @Override
  public double exchangeSeconds() {
    return exchangeSeconds;
  }

  /** The first index of {@code shard} in a vector; shards differ in length by at most one. */
  private int from(int shard) {
    return shardStart(length, shard, tasks);
  }

  /**
   * The first index of {@code shard} in a vector of {@code length} cut into {@code tasks} shards,
   * which differ in length by at most one; {@link MemoryAllReduce} cuts its rounds alike.
   */
  static int shardStart(int length, int shard, int tasks) {
    return (int) ((long) length * shard / tasks);
  }

  private float[] slice(float[] values, int shard) {
    int lo = from(shard);
    float[] out = new float[from(shard + 1) - lo];
    System.arraycopy(values, lo, out, 0, out.length);
    return out;
  }

  private void bind(float[] values) {
    if (length < 0) {
      length = values.length;
    } else if (length != values.length) {
      throw new IllegalArgumentException("every round's vector must have the same length; it had " + length
          + " values and now has " + values.length);
    }
  }

  private BlockId id(String name) {
    return blockId(namespace, attempt, name);
  }

  private static BlockId blockId(long namespace, int stageAttempt, String name) {
    return new BroadcastBlockId(namespace, "magnet_allreduce_a" + stageAttempt + "_" + name);
  }

  private BlockId id(int r, String name) {
    return id("r" + r + "_" + name);
  }

  private void put(BlockId id, float[] value) {
    if (!blocks.putSingle(id, value, StorageLevel.MEMORY_AND_DISK(), tellMaster, FLOATS)) {
      throw new IllegalStateException("the block manager refused " + id + " (" + value.length + " floats)");
    }
    current.add(id);
  }

  /**
   * The block's values once a peer has put it, local or remote. A local block's read lock is
   * released before this returns (its iterator run to its end), so that its owner can remove it.
   */
  private float[] await(BlockId id) {
    long begin = System.nanoTime();
    long pause = FIRST_POLL_NANOS;
    while (true) {
      float[] value = read(blocks, id, !tellMaster);
      if (value != null) {
        return value;
      }
      long waited = System.nanoTime() - begin;
      if (waited > PEER_TIMEOUT_NANOS) {
        throw new IllegalStateException("task " + me + " waited " + TimeUnit.NANOSECONDS.toSeconds(waited)
            + " s for block " + id + " of a peer task, which neither put it nor failed");
      }
      task.killTaskIfInterrupted(); // a peer failed: Spark fails the stage and marks this task killed
      long sleepStart = System.nanoTime();
      LockSupport.parkNanos(pause);
      waitSeconds += (System.nanoTime() - sleepStart) / 1e9;
      pause = Math.min(LAST_POLL_NANOS, pause * 2);
    }
  }

  /**
   * The block's values, local or remote, or null when no block manager has it. A local block's
   * read lock is released before this returns (its iterator run to its end), so that its owner
   * can remove it.
   *
   * @param localOnly look in this JVM's block manager only, without asking the driver's master
   *     where it is (local mode, where a miss would cost an RPC each poll)
   */
  private static float[] read(BlockManager blocks, BlockId id, boolean localOnly) {
    Option<BlockResult> found = localOnly ? blocks.getLocalValues(id) : blocks.get(id, FLOATS);
    if (found.isEmpty()) {
      return null;
    }
    scala.collection.Iterator<Object> data = found.get().data();
    float[] value = (float[]) data.next();
    while (data.hasNext()) {
      data.next();
    }
    return value;
  }

  private void removePrevious() {
    for (BlockId id : previous) {
      blocks.removeBlock(id, tellMaster);
    }
    previous = current;
    current = new ArrayList<>();
  }
}
