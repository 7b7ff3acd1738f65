package dev.magnet.spark.executor;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JVM's threads that prepare inputs for {@link BatchEmbedder} (read and decode files), shared
 * by every task of the executor: one per executor core ({@code spark.executor.cores} where set, as
 * on YARN and Kubernetes, whose containers may see more cores than they were given; else the cores
 * the JVM sees, as in local mode), daemon threads, so that decoding uses
 * the cores while the tasks' threads run the network, and storage latency (HDFS, S3) is hidden
 * behind other files' decoding. A pool per JVM rather than per task: an executor runs as many
 * tasks as it has cores, and a pool each would start cores² threads.
 */
public final class DecodePool {
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService POOL = Executors.newFixedThreadPool(threads(), new ThreadFactory() {
    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "magnet-decode-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  });

  private DecodePool() {}

  /** The shared pool. */
  public static ExecutorService shared() {
    return POOL;
  }

  /** Its size: the executor's cores. */
  public static int threads() {
    int seen = Runtime.getRuntime().availableProcessors();
    org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
    int cores = env == null ? seen : env.conf().getInt("spark.executor.cores", seen);
    return Math.max(1, cores);
  }
}
