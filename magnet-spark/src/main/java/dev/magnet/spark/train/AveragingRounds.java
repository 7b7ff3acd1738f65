package dev.magnet.spark.train;

import dev.magnet.spark.metrics.AveragingCost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import scala.collection.JavaConverters;

/**
 * Times parameter averaging's rounds ({@link AveragingCost}): the driver marks each round's start
 * and end and its broadcast ({@link AveragingMaster}), and, as a Spark listener, this reads the
 * round's job and tasks from Spark's own events (launch, deserialisation, run and result
 * serialisation times, finish times) and the workers' update seconds from their accumulator.
 * The round's job is told from others by a local property the driver sets while the round runs.
 * Measuring changes nothing the job computes.
 */
final class AveragingRounds extends SparkListener {
  static final String ROUND_PROPERTY = "magnet.averaging.round";
  /** How long {@link #total} waits for Spark's listener bus to deliver the last round's events. */
  private static final long DRAIN_MS = 10_000;

  private final String updatesAccumulator;
  private long nextRound;
  private long roundStartMs;
  private long pendingBroadcastNanos;
  /** By round id: what the driver saw. */
  private final Map<Long, long[]> driverSide = new HashMap<>(); // {startMs, endMs, broadcastNanos}
  /** By round id: what the listener saw. */
  private final Map<Long, Job> jobs = new HashMap<>();
  private final Map<Integer, Long> roundOfStage = new HashMap<>();
  private final Map<Integer, Long> roundOfJob = new HashMap<>();
  private AveragingCost total = AveragingCost.NONE;

  /** @param updatesAccumulator the name of the workers' update-seconds accumulator ({@code WorkerClock}) */
  AveragingRounds(String updatesAccumulator) {
    this.updatesAccumulator = updatesAccumulator;
  }

  /** A round's job as Spark's events describe it. */
  static final class Job {
    long startMs;
    long endMs = -1;
    final List<double[]> tasks = new ArrayList<>(); // {launchMs, finishMs, deser s, run s, resultSer s, updates s}

    Job(long startMs) {
      this.startMs = startMs;
    }

    void task(long launchMs, long finishMs, double deserialise, double run, double resultSerialise, double updates) {
      tasks.add(new double[] {launchMs, finishMs, deserialise, run, resultSerialise, updates});
    }
  }

  /** Adds rounds measured elsewhere (averaging in one barrier stage, which reports its own). */
  synchronized void add(AveragingCost rounds) {
    total = total.plus(rounds);
  }

  void broadcast(long nanos) {
    pendingBroadcastNanos += nanos;
  }

  /** Called on the driver before a round's job; its jobs carry the round's id. */
  void roundStarts(SparkContext sc) {
    sc.setLocalProperty(ROUND_PROPERTY, Long.toString(nextRound));
    roundStartMs = System.currentTimeMillis();
  }

  /** Called on the driver once the round is averaged. */
  void roundEnds(SparkContext sc) {
    sc.setLocalProperty(ROUND_PROPERTY, null);
    synchronized (this) {
      driverSide.put(nextRound, new long[] {roundStartMs, System.currentTimeMillis(), pendingBroadcastNanos});
    }
    pendingBroadcastNanos = 0;
    nextRound++;
  }

  /** Every round so far, once Spark's listener bus has delivered their events (it waits up to 10 s). */
  AveragingCost total(SparkContext sc) {
    try {
      sc.listenerBus().waitUntilEmpty(DRAIN_MS);
    } catch (TimeoutException e) {
      // a round whose events are late counts with the next epoch's
    }
    synchronized (this) {
      for (Iterator<Map.Entry<Long, long[]>> it = driverSide.entrySet().iterator(); it.hasNext();) {
        Map.Entry<Long, long[]> round = it.next();
        Job job = jobs.get(round.getKey());
        if (job == null || job.endMs < 0) {
          continue;
        }
        total = total.plus(cost(round.getValue(), job));
        jobs.remove(round.getKey());
        it.remove();
      }
      return total;
    }
  }

  /** One round's costs: the driver's times and the mean of its tasks'. */
  static AveragingCost cost(long[] driver, Job job) {
    int n = job.tasks.size();
    double lastFinish = job.tasks.stream().mapToDouble(t -> t[1]).max().orElse(job.endMs);
    double launch = 0;
    double deserialise = 0;
    double setup = 0;
    double updates = 0;
    double resultSer = 0;
    double wait = 0;
    for (double[] t : job.tasks) {
      launch += Math.max(0, t[0] - job.startMs) / 1000.0;
      deserialise += t[2];
      setup += Math.max(0, t[3] - t[5]);
      updates += t[5];
      resultSer += t[4];
      wait += (lastFinish - t[1]) / 1000.0;
    }
    double per = Math.max(1, n);
    return new AveragingCost(1, (driver[1] - driver[0]) / 1000.0, driver[2] / 1e9, launch / per, deserialise / per,
        setup / per, updates / per, resultSer / per, wait / per, Math.max(0, job.endMs - lastFinish) / 1000.0,
        Math.max(0, driver[1] - job.endMs) / 1000.0, 0);
  }

  @Override
  public synchronized void onJobStart(SparkListenerJobStart start) {
    String round = start.properties() == null ? null : start.properties().getProperty(ROUND_PROPERTY);
    if (round == null) {
      return;
    }
    Job job = new Job(start.time());
    long id = Long.parseLong(round);
    jobs.put(id, job);
    roundOfJob.put(start.jobId(), id);
    for (Object stage : JavaConverters.seqAsJavaList(start.stageIds())) {
      roundOfStage.put((Integer) stage, id);
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    Long round = roundOfStage.get(end.stageId());
    Job job = round == null ? null : jobs.get(round);
    TaskMetrics metrics = end.taskMetrics();
    if (job == null || metrics == null) {
      return;
    }
    TaskInfo info = end.taskInfo();
    double updates = 0;
    for (AccumulableInfo acc : JavaConverters.seqAsJavaList(info.accumulables())) {
      if (acc.name().isDefined() && updatesAccumulator.equals(acc.name().get()) && acc.update().isDefined()) {
        updates += ((Number) acc.update().get()).doubleValue();
      }
    }
    job.task(info.launchTime(), info.finishTime(), metrics.executorDeserializeTime() / 1000.0,
        metrics.executorRunTime() / 1000.0, metrics.resultSerializationTime() / 1000.0, updates);
  }

  @Override
  public synchronized void onJobEnd(SparkListenerJobEnd end) {
    Long round = roundOfJob.remove(end.jobId());
    Job job = round == null ? null : jobs.get(round);
    if (job != null) {
      job.endMs = end.time();
      roundOfStage.values().removeIf(round::equals);
    }
  }
}
