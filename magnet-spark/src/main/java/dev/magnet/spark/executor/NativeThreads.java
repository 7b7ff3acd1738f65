package dev.magnet.spark.executor;

import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many native (OpenMP) threads ND4J's ops may use in one Spark task.
 *
 * <p>Spark gives each task {@code spark.task.cpus} cores (1 by default) and runs as many tasks
 * at once as an executor has cores. ND4J, left alone, gives <em>every</em> calling thread a team
 * of one OpenMP thread per core: on local[2], two training tasks then run four busy native
 * threads on two cores, and each op's barrier waits for a thread the OS has parked. So a task
 * runs ND4J with the cores Spark gave it: {@code spark.task.cpus} on a cluster; in local mode,
 * where every task shares the driver's JVM, the local cores divided by the tasks that run at
 * once (at least 1). The setting is per JVM, so every executor-side entry point of the training
 * job applies it once ({@link #apply}).
 *
 * <p>Two knobs, because ND4J M2.1 has two thread pools: {@link #apply} caps libnd4j's own
 * parallel loops ({@code maxMasterThreads}; its {@code setMaxThreads} is a no-op in M2.1), while
 * the oneDNN kernels (convolutions, pooling) size their OpenMP team from {@code OMP_NUM_THREADS},
 * read once when the JVM starts. So the launcher sets {@code OMP_NUM_THREADS} too: the
 * {@code spark-submit} script for the embedded Spark, {@code spark.executorEnv.OMP_NUM_THREADS}
 * for executors on a cluster; {@link #apply} warns once when it is missing or larger.
 */
public final class NativeThreads {
  private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);
  /** The count applied in this JVM, 0 before the first call. */
  private static volatile int applied;

  private NativeThreads() {}

  /**
   * Threads per task for this Spark context: {@code spark.task.cpus}, or in local mode the local
   * cores divided by {@code concurrentTasks} (at least 1).
   *
   * @param concurrentTasks tasks one executor runs at once (the workers, in local mode)
   */
  public static int perTask(JavaSparkContext spark, int concurrentTasks) {
    if (concurrentTasks < 1) {
      throw new IllegalArgumentException("concurrentTasks must be positive; concurrentTasks=" + concurrentTasks);
    }
    int taskCpus = spark.getConf().getInt("spark.task.cpus", 1);
    if (!spark.sc().isLocal()) {
      return taskCpus;
    }
    return Math.max(taskCpus, spark.defaultParallelism() / concurrentTasks);
  }

  /** Limits ND4J's native threads in this JVM to {@code threads}; a no-op when already so. */
  public static void apply(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive; threads=" + threads);
    }
    if (applied == threads) {
      return;
    }
    synchronized (NativeThreads.class) {
      if (applied != threads) {
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        applied = threads;
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp == null || !omp.trim().equals(Integer.toString(threads))) {
          LOG.warn("ND4J native threads per task: {}, but OMP_NUM_THREADS={} sizes oneDNN's kernels; set"
              + " OMP_NUM_THREADS={} before the JVM starts (spark.executorEnv.OMP_NUM_THREADS on a cluster)",
              threads, omp, threads);
        } else {
          LOG.info("ND4J native threads per task: {}", threads);
        }
      }
    }
  }
}
