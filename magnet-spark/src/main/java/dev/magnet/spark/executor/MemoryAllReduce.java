package dev.magnet.spark.executor;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.TaskContext;

/**
 * The all-reduce of a barrier stage whose tasks all run in this JVM (local mode, the embedded
 * mode's case, or one executor with a core per worker): the tasks meet in a {@link Room} of this
 * JVM, read each other's vectors where they lie and write one shared mean, so a round copies
 * nothing but the mean back into each vector. Through the block manager ({@link ShardedAllReduce})
 * every round put, looked up and removed about 3W blocks; at W = 2, P = 232k that was 0.16 s of a
 * 20k epoch's 21 rounds (docs/scaling.md, "Averaging in one stage").
 *
 * <p>A round: each task puts a reference to its vector and its flag (contributes, idle or stop) in
 * the room, and waits for the others; each averages the shard of the vector it owns over the
 * contributing tasks, in task order as {@link ShardedAllReduce} does (same bits), into the room's
 * mean, and waits again; then each copies the whole mean into its vector. No task writes its
 * vector, its flag or the room's mean before every task is past the read of them, as each write
 * comes after a wait that every reader must have reached.
 *
 * <p>A room is named by the driver's broadcast and the stage's attempt, so a stage run again meets
 * in a new one; it goes when its last task leaves ({@link #close}). A task waiting for a peer that
 * failed is stopped by Spark, which marks it killed, as the wait checks every 10 ms.
 */
final class MemoryAllReduce implements AllReduce, AutoCloseable {
  private static final Map<String, Room> ROOMS = new ConcurrentHashMap<>();
  private static final long CHECK_MILLIS = 10;

  /** Where a stage's tasks meet in this JVM. */
  private static final class Room {
    final Phaser phaser;
    final float[][] vectors;
    final int[] flags;
    final float[] mean;
    int present;

    Room(int tasks, int length) {
      phaser = new Phaser(tasks);
      vectors = new float[tasks][];
      flags = new int[tasks];
      mean = new float[length];
    }
  }

  private final TaskContext task;
  private final String key;
  private final Room room;
  private final ShardedAllReduce blocks;
  private final int tasks;
  private final int me;
  private final int length;
  private int round;
  /** Whether the last round averaged anything. */
  private boolean averaged;
  private float[] last;
  private double waitSeconds;
  private double exchangeSeconds;

  /**
   * Joins this stage's room, making it if this task is the first.
   *
   * @param blocks the stage's block-manager exchange, which has found every task in this JVM
   *     ({@link ShardedAllReduce#oneJvm}); it leaves the last mean for the driver
   * @param namespace the id of the driver's broadcast for the stage
   * @param length every round's vector length
   */
  MemoryAllReduce(TaskContext task, ShardedAllReduce blocks, int tasks, long namespace, int length) {
    if (!blocks.oneJvm()) {
      throw new IllegalStateException("the tasks of stage " + task.stageId() + " do not all run in this JVM");
    }
    this.task = task;
    this.blocks = blocks;
    this.tasks = tasks;
    this.me = task.partitionId();
    this.length = length;
    this.key = namespace + "/" + task.stageAttemptNumber();
    this.room = ROOMS.compute(key, (k, r) -> {
      Room joined = r == null ? new Room(tasks, length) : r;
      joined.present++;
      return joined;
    });
  }

  @Override
  public int average(float[] values, boolean contributes, boolean stop) {
    long begin = System.nanoTime();
    double waitedBefore = waitSeconds;
    try {
      return averageOf(values, contributes, stop);
    } finally {
      exchangeSeconds += (System.nanoTime() - begin) / 1e9 - (waitSeconds - waitedBefore);
    }
  }

  private int averageOf(float[] values, boolean contributes, boolean stop) {
    if (values.length != length) {
      throw new IllegalArgumentException("every round's vector must have " + length + " values; it has "
          + values.length);
    }
    round++;
    room.vectors[me] = values;
    room.flags[me] = stop ? -1 : contributes ? 1 : 0;
    await();
    int count = 0;
    for (int t = 0; t < tasks; t++) {
      if (room.flags[t] < 0) {
        averaged = false;
        return STOPPED;
      }
      count += room.flags[t];
    }
    averaged = count > 0;
    if (count == 0) {
      await(); // no task writes its flag for the next round before every task has read this one's
      return 0;
    }
    int lo = ShardedAllReduce.shardStart(length, me, tasks);
    int hi = ShardedAllReduce.shardStart(length, me + 1, tasks);
    float[] mean = room.mean;
    Arrays.fill(mean, lo, hi, 0f);
    for (int t = 0; t < tasks; t++) { // in task order, as ShardedAllReduce sums
      if (room.flags[t] == 0) {
        continue;
      }
      float[] theirs = room.vectors[t];
      for (int i = lo; i < hi; i++) {
        mean[i] += theirs[i];
      }
    }
    for (int i = lo; i < hi; i++) {
      mean[i] /= count;
    }
    await();
    System.arraycopy(mean, 0, values, 0, length);
    last = values;
    return count;
  }

  /** Waits until every task has reached this point of the round. */
  private void await() {
    long begin = System.nanoTime();
    int phase = room.phaser.arrive();
    try {
      while (true) {
        try {
          room.phaser.awaitAdvanceInterruptibly(phase, CHECK_MILLIS, TimeUnit.MILLISECONDS);
          return;
        } catch (TimeoutException e) {
          task.killTaskIfInterrupted(); // a peer failed: Spark fails the stage and marks this task killed
          long waited = System.nanoTime() - begin;
          if (waited > ShardedAllReduce.PEER_TIMEOUT_NANOS) {
            throw new IllegalStateException("task " + me + " waited " + TimeUnit.NANOSECONDS.toSeconds(waited)
                + " s in round " + round + " for peer tasks in this JVM, which neither came nor failed");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          task.killTaskIfInterrupted();
          throw new IllegalStateException("task " + me + " was interrupted waiting for its peers", e);
        }
      }
    } finally {
      waitSeconds += (System.nanoTime() - begin) / 1e9;
    }
  }

  @Override
  public void finish() {
    long begin = System.nanoTime();
    if (averaged) {
      blocks.leaveMean(round - 1, last);
    }
    exchangeSeconds += (System.nanoTime() - begin) / 1e9;
  }

  /** Leaves the room; the last task to leave removes it. */
  @Override
  public void close() {
    ROOMS.computeIfPresent(key, (k, r) -> --r.present == 0 ? null : r);
  }

  @Override
  public double waitSeconds() {
    return waitSeconds + blocks.waitSeconds();
  }

  @Override
  public double exchangeSeconds() {
    return exchangeSeconds + blocks.exchangeSeconds();
  }

  /** Rooms now open in this JVM (a test's check that none outlives its stage). */
  static int rooms() {
    return ROOMS.size();
  }
}
