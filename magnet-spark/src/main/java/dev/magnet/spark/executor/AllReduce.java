package dev.magnet.spark.executor;

/**
 * The mean of one vector per task of a barrier stage, given back to every task, round after round
 * ({@link BarrierRounds}). Two ways to move the vectors: {@link ShardedAllReduce} through Spark's
 * block manager, between executors, and {@link MemoryAllReduce} through this JVM's memory, when
 * every task of the stage runs here (local mode, or a stage whose tasks all landed on one
 * executor). Both sum the contributing vectors in task order, so both give the same bits.
 */
interface AllReduce {
  /** What {@link #average} returns when a task asked to stop. */
  int STOPPED = -1;

  /**
   * The mean of {@code values} over the tasks that contribute, written into {@code values}; every
   * task of the stage must call it the same number of times, with vectors of the same length.
   * Where no task contributes, {@code values} is left as it is.
   *
   * @param contributes whether this task's vector counts (a task with no batches this round does not)
   * @param stop whether this task asks every task to stop now (it diverged, say): then nothing is averaged
   * @return how many tasks contributed, or {@link #STOPPED} when a task asked to stop; every task
   *     gets the same answer
   */
  int average(float[] values, boolean contributes, boolean stop);

  /**
   * Ends a stage whose rounds all ran: this task's shard of the last mean is left where the
   * driver reads it ({@link ShardedAllReduce#lastMean}), and what else the exchange holds goes.
   */
  void finish();

  /** Seconds spent waiting for peers that were not there yet: the wait for the slowest task, mostly. */
  double waitSeconds();

  /** Seconds spent copying, sending, fetching and averaging, waits left out. */
  double exchangeSeconds();
}
