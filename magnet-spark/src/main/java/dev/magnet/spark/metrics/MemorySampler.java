package dev.magnet.spark.metrics;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.status.api.v1.ExecutorSummary;
import org.apache.spark.status.api.v1.RDDStorageInfo;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.memory.AllocationsTracker;
import org.nd4j.linalg.api.memory.enums.AllocationKind;
import scala.collection.JavaConverters;

/**
 * Samples this JVM's memory by part ({@link MemoryBreakdown.Parts}) on a daemon thread, every
 * {@link #INTERVAL_MS} ms until {@link #close}: the driver's in cluster mode, the whole job's in
 * the embedded mode, where the executors run in the driver's JVM. Each sample reads
 * {@code /proc/self/status}, the JVM's memory beans, two ND4J/JavaCPP counters and Spark's status
 * store, all in memory: a sample costs well under a millisecond of CPU.
 *
 * <p>Not a profiler: a peak between two samples is missed (the kernel's {@code VmHWM} in
 * {@link PeakMemory} is not), and the parts at the highest sampled RSS are what the breakdown
 * reports.
 */
public final class MemorySampler implements AutoCloseable {
  /** Every quarter second: an epoch of the 20k bench run has about 40 samples, a full one about 120. */
  static final long INTERVAL_MS = 250;

  /** The largest cached RDDs the breakdown names at the peak. */
  static final int STORAGE_ENTRIES = 6;

  private final LongSupplier sparkStorage;
  private final Supplier<Map<String, Long>> storageByRdd;
  private Map<String, Long> storageAtPeak = Map.of();
  private final Thread thread;
  private final Object lock = new Object();
  private MemoryBreakdown.Parts atPeak;
  private MemoryBreakdown.Parts peaks;
  private int samples;
  private volatile boolean running = true;

  private MemorySampler(LongSupplier sparkStorage, Supplier<Map<String, Long>> storageByRdd, long intervalMs) {
    this.sparkStorage = sparkStorage;
    this.storageByRdd = storageByRdd;
    this.thread = new Thread(() -> loop(intervalMs), "magnet-memory-sampler");
    this.thread.setDaemon(true);
  }

  /** Starts sampling, Spark's storage memory read from {@code sc}'s status store. */
  public static MemorySampler start(SparkContext sc) {
    return start(() -> sparkStorageBytes(sc), () -> storageByRdd(sc), INTERVAL_MS);
  }

  /** Starts sampling with the storage figure from {@code sparkStorage}, every {@code intervalMs}. */
  static MemorySampler start(LongSupplier sparkStorage, long intervalMs) {
    return start(sparkStorage, Map::of, intervalMs);
  }

  private static MemorySampler start(LongSupplier sparkStorage, Supplier<Map<String, Long>> byRdd, long intervalMs) {
    MemorySampler sampler = new MemorySampler(sparkStorage, byRdd, intervalMs);
    sampler.sample();
    sampler.thread.start();
    return sampler;
  }

  /** The breakdown so far, with one more sample taken now. */
  public MemoryBreakdown breakdown() {
    sample();
    synchronized (lock) {
      return new MemoryBreakdown(samples, atPeak, peaks, null, storageAtPeak);
    }
  }

  /** Stops sampling; waits for the thread. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop(long intervalMs) {
    while (running) {
      try {
        Thread.sleep(intervalMs);
      } catch (InterruptedException e) {
        return;
      }
      sample();
    }
  }

  /** Takes one sample; a part that cannot be read counts 0 (a sampler never fails a job). */
  void sample() {
    MemoryBreakdown.Parts now;
    try {
      now = measure();
    } catch (RuntimeException | LinkageError e) {
      return;
    }
    boolean peak;
    synchronized (lock) {
      samples++;
      peak = atPeak == null || now.rssBytes() > atPeak.rssBytes();
      if (peak) {
        atPeak = now;
      }
      peaks = peaks == null ? now : peaks.max(now);
    }
    if (peak) {
      Map<String, Long> byRdd;
      try {
        byRdd = storageByRdd.get();
      } catch (RuntimeException e) {
        byRdd = Map.of();
      }
      synchronized (lock) {
        storageAtPeak = byRdd;
      }
    }
  }

  /** The largest cached RDDs in memory, "name (id)" to bytes, from Spark's status store. */
  private static Map<String, Long> storageByRdd(SparkContext sc) {
    Map<String, Long> out = new LinkedHashMap<>();
    JavaConverters.seqAsJavaList(sc.statusStore().rddList(true)).stream()
        .sorted(Comparator.comparingLong(RDDStorageInfo::memoryUsed).reversed()).limit(STORAGE_ENTRIES)
        .forEach(rdd -> out.put(rdd.name() + " (" + rdd.id() + ")", rdd.memoryUsed()));
    return out;
  }

  private MemoryBreakdown.Parts measure() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    MemoryUsage heap = memory.getHeapMemoryUsage();
    MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
    long direct = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      direct += Math.max(0, pool.getMemoryUsed());
    }
    OptionalLong rss = ProcStatus.selfRssBytes();
    return MemoryBreakdown.Parts.of(rss.orElse(0), heap.getUsed(), heap.getCommitted(), nonHeap.getCommitted(), direct,
        Pointer.totalBytes(), AllocationsTracker.getInstance().bytesOnDevice(AllocationKind.WORKSPACE, 0),
        safely(sparkStorage));
  }

  private static long safely(LongSupplier supplier) {
    try {
      return supplier.getAsLong();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** Storage memory in use on every block manager, as Spark's status store has it. */
  private static long sparkStorageBytes(SparkContext sc) {
    List<ExecutorSummary> executors = JavaConverters.seqAsJavaList(sc.statusStore().executorList(true));
    long used = 0;
    for (ExecutorSummary executor : executors) {
      used += executor.memoryUsed();
    }
    return used;
  }
}
