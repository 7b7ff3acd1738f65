package dev.magnet.spark.train;

import dev.magnet.spark.executor.BarrierRounds;
import dev.magnet.spark.metrics.AveragingCost;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.reflect.ClassTag$;

/**
 * The driver's side of parameter averaging in one barrier stage ({@link BarrierRounds}): a chunk's
 * batches are fitted by one Spark job, whose tasks average among themselves every
 * {@code frequency} batches, where DL4J's master runs a job per round (docs/scaling.md,
 * "Averaging in one stage").
 *
 * <p>Spark runs a barrier stage only when all of its tasks can run at once, and not with dynamic
 * allocation; {@link #unavailable} says when the trainer must use DL4J's master instead.
 */
final class BarrierAveraging {
  private static final Logger LOG = LoggerFactory.getLogger(BarrierAveraging.class);
  /** How the last stage's tasks exchanged, as last logged. */
  private static volatile String lastExchange;

  private BarrierAveraging() {}

  /**
   * Why this chunk cannot be averaged in one stage, or empty when it can.
   *
   * @param partitions the batches' partitions, one task each
   */
  static Optional<String> unavailable(JavaSparkContext spark, MultiLayerNetwork network, int partitions) {
    SparkContext sc = spark.sc();
    if (sc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
      return Optional.of("Spark's barrier stages do not run with dynamic allocation (spark.dynamicAllocation.enabled)");
    }
    if (network.getLayerWiseConfigurations().getDataType() != DataType.FLOAT) {
      return Optional.of("the network's parameters are " + network.getLayerWiseConfigurations().getDataType()
          + ", and the one-stage exchange carries floats");
    }
    int slots = sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    if (slots < partitions) {
      return Optional.of(partitions + " workers need " + partitions + " task slots at once, and the cluster has "
          + slots + " now");
    }
    return Optional.empty();
  }

  /**
   * Fits {@code batches} (one partition per worker) into {@code network}, which ends with the
   * workers' last average, and says what the rounds cost. The network is changed only when the
   * stage succeeds. Tasks that all run in one JVM average through its memory.
   *
   * @param lag batches of the next round a worker fits before it takes a round's mean in, the
   *     exchange running beside them (docs/scaling.md, "Overlapped rounds"); 0: every round as
   *     DL4J's parameter averaging computes it
   * @throws SlotsLost when the cluster lost the task slots the stage needs while it ran (an
   *     executor lost for good): the caller fits the chunk another way
   */
  static AveragingCost fit(JavaSparkContext spark, MultiLayerNetwork network, JavaRDD<DataSet> batches,
      int frequency, int lag, List<TrainingHook> hooks, int nativeThreads) {
    return fit(spark, network, batches, frequency, lag, hooks, nativeThreads, true);
  }

  /**
   * As {@link #fit(JavaSparkContext, MultiLayerNetwork, JavaRDD, int, int, List, int)}, choosing
   * the exchange of tasks that all run in one JVM.
   *
   * @param inMemory whether such tasks average through its memory; false keeps them on the block
   *     manager, as between JVMs (a test's comparison of the two: both give the same bits)
   */
  static AveragingCost fit(JavaSparkContext spark, MultiLayerNetwork network, JavaRDD<DataSet> batches,
      int frequency, int lag, List<TrainingHook> hooks, int nativeThreads, boolean inMemory) {
    long begin = System.nanoTime();
    Updater updater = network.getUpdater();
    Broadcast<NetBroadcastTuple> start = spark.broadcast(new NetBroadcastTuple(network.getLayerWiseConfigurations(),
        network.params(), updater == null ? null : updater.getStateViewArray()));
    double broadcast = (System.nanoTime() - begin) / 1e9;
    try {
      List<BarrierRounds.Result> results = await(spark, network, batches,
          new BarrierRounds(start, frequency, hooks, nativeThreads, inMemory, lag));
      String through = results.get(0).inMemory() ? "the memory of the one JVM they all ran in"
          : "Spark's block manager";
      if (!through.equals(lastExchange)) { // once a run, and again when it changes (executors lost or added)
        lastExchange = through;
        LOG.info("one-stage averaging: the {} tasks averaged through {}", results.size(), through);
      }
      for (BarrierRounds.Result r : results) {
        if (r.diverged() != null) {
          throw r.diverged(); // as a worker's LossGuard fails DL4J's fit: the trainer names the batch
        }
      }
      long assignStart = System.nanoTime();
      float[] mean = BarrierRounds.averaged(start, results.get(0), results.size());
      if (mean != null) {
        BarrierRounds.assign(mean, 0, network.params());
        if (updater != null && updater.getStateViewArray() != null) {
          BarrierRounds.assign(mean, (int) network.params().length(), updater.getStateViewArray());
        }
      }
      // The busiest worker's updates, as the updater (Adam's bias correction, schedules) counts them.
      network.getLayerWiseConfigurations().setIterationCount(
          results.stream().mapToInt(BarrierRounds.Result::iterations).max().orElseThrow());
      double assignSeconds = (System.nanoTime() - assignStart) / 1e9;
      double n = results.size();
      double updates = results.stream().mapToDouble(BarrierRounds.Result::updateSeconds).sum() / n;
      double wait = results.stream().mapToDouble(BarrierRounds.Result::waitSeconds).sum() / n;
      double exchange = results.stream().mapToDouble(BarrierRounds.Result::exchangeSeconds).sum() / n;
      double run = results.stream().mapToDouble(BarrierRounds.Result::runSeconds).sum() / n;
      // In a task outside its rounds: reading its batches, building its network, its result.
      double setup = Math.max(0, run - updates - wait - exchange);
      double wall = (System.nanoTime() - begin) / 1e9;
      // The job outside its tasks: submission, task launch, the results' way back.
      double job = Math.max(0, wall - broadcast - assignSeconds - run);
      return new AveragingCost(results.get(0).rounds(), wall, broadcast, job, 0, setup, updates, 0, wait, 0, assignSeconds,
          exchange);
    } finally {
      // Also removes every block the tasks' exchange left, on every executor.
      start.destroy(false);
    }
  }

  /**
   * Runs the stage and waits for it. A failed task fails the stage, and Spark runs it again whole
   * (up to {@code spark.stage.maxConsecutiveAttempts} times) once every task can start at once;
   * when the cluster has lost the slots for that (a worker gone), it would wait for ever, so the
   * stage is cancelled once slots have been short for {@link #SLOTS_GRACE_MS}.
   */
  private static List<BarrierRounds.Result> await(JavaSparkContext spark, MultiLayerNetwork network,
      JavaRDD<DataSet> batches, BarrierRounds rounds) {
    int partitions = batches.getNumPartitions();
    spark.setCallSite("one-stage averaging (BarrierAveraging)"); // the stage's name in Spark's UI and REST API
    JavaFutureAction<List<BarrierRounds.Result>> job;
    try {
      job = batches.rdd().barrier()
          .mapPartitions(rounds, false,
              ClassTag$.MODULE$.apply(BarrierRounds.Result.class))
          .toJavaRDD()
          // A shuffle after the tasks makes theirs a map stage, which Spark runs again whole when a
          // task fails; a failed barrier result stage it does not retry at all.
          .repartition(1)
          .collectAsync();
    } finally {
      spark.clearCallSite();
    }
    long shortSince = -1;
    while (true) {
      try {
        return job.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        Optional<String> why = unavailable(spark, network, partitions);
        if (why.isEmpty()) {
          shortSince = -1;
        } else if (shortSince < 0) {
          shortSince = System.currentTimeMillis();
        } else if (System.currentTimeMillis() - shortSince > SLOTS_GRACE_MS) {
          job.cancel(true);
          throw new SlotsLost(why.get());
        }
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        job.cancel(true);
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while averaging in one stage", e);
      }
    }
  }

  /** How long a running stage may lack task slots before it is given up for DL4J's master. */
  static final long SLOTS_GRACE_MS = 15_000;

  /** The stage lost the task slots it needs: the chunk is to be fitted another way. */
  static final class SlotsLost extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SlotsLost(String why) {
      super(why);
    }
  }
}
