package dev.magnet.spark.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.status.api.v1.ExecutorSummary;
import scala.collection.JavaConverters;

/**
 * The memory peaks of a Spark job, for {@code metrics.json}: the driver's peak RSS (Linux only,
 * {@link ProcStatus}) and each executor's peak JVM heap and off-heap use as Spark's status store
 * has them ({@code ExecutorSummary.peakMemoryMetrics}, which executors report with their
 * heartbeats, every {@code spark.executor.heartbeatInterval}; in local mode the one executor is
 * the driver, id {@code "driver"}). A figure Spark has not reported yet is left out: a job shorter
 * than one heartbeat interval (10 s by default) may have none.
 *
 * @param driverRssBytes the driver JVM's peak resident set size, or null off Linux
 * @param executors by executor id
 * @param breakdown the driver JVM's memory by part ({@link MemorySampler}), or null where not sampled
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PeakMemory(@JsonProperty("driver_rss_bytes") Long driverRssBytes,
    @JsonProperty("executors") Map<String, Executor> executors,
    @JsonProperty("breakdown") MemoryBreakdown breakdown) {
  public PeakMemory {
    executors = executors == null ? Map.of() : Map.copyOf(executors);
  }

  /** Peaks without a breakdown. */
  public PeakMemory(Long driverRssBytes, Map<String, Executor> executors) {
    this(driverRssBytes, executors, null);
  }

  /**
   * One executor's peaks, in bytes, or null where Spark has none.
   *
   * @param jvmHeapBytes peak JVM heap in use ({@code JVMHeapMemory})
   * @param jvmOffHeapBytes peak JVM non-heap in use ({@code JVMOffHeapMemory}; not ND4J's native buffers)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Executor(@JsonProperty("jvm_heap_bytes") Long jvmHeapBytes,
      @JsonProperty("jvm_off_heap_bytes") Long jvmOffHeapBytes) {}

  /** The peaks now: call it at the end of the job, before the context stops. */
  public static PeakMemory measure(SparkContext sc) {
    return measure(sc, null);
  }

  /** The peaks now, with the driver's breakdown (or null). */
  public static PeakMemory measure(SparkContext sc, MemoryBreakdown breakdown) {
    Map<String, Executor> executors = new LinkedHashMap<>();
    for (ExecutorSummary summary : JavaConverters.seqAsJavaList(sc.statusStore().executorList(true))) {
      if (summary.peakMemoryMetrics().isDefined()) {
        ExecutorMetrics metrics = summary.peakMemoryMetrics().get();
        Executor peaks = new Executor(reported(metrics.getMetricValue("JVMHeapMemory")),
            reported(metrics.getMetricValue("JVMOffHeapMemory")));
        if (peaks.jvmHeapBytes() != null || peaks.jvmOffHeapBytes() != null) {
          executors.put(summary.id(), peaks);
        }
      }
    }
    OptionalLong rss = ProcStatus.selfPeakRssBytes();
    return new PeakMemory(rss.isPresent() ? rss.getAsLong() : null, executors, breakdown);
  }

  /** Spark's value, or null for 0: the peaks start at 0 and stay there until the first heartbeat. */
  private static Long reported(long bytes) {
    return bytes > 0 ? bytes : null;
  }
}
