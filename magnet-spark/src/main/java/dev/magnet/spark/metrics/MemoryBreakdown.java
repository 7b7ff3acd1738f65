package dev.magnet.spark.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a driver JVM's memory went, for {@code metrics.json} ({@code peak_memory.breakdown}; the
 * figures and how to read them: docs/benchmarks.md, "Where the memory goes"). {@link MemorySampler}
 * takes it every few hundred milliseconds; {@code atPeakRss} is the sample with the highest
 * resident set, {@code peaks} each part's own highest value over the run (taken at different
 * moments, so they do not add up).
 *
 * @param samples how many samples were taken
 * @param atPeakRss the parts at the sample with the highest RSS
 * @param peaks each part's highest value over the run
 * @param validationCollectBytes the largest set of embeddings (with ids and labels) validation brought
 *     to the driver at once, or null without validation
 * @param storageAtPeakRss Spark's cached RDDs in memory at the sample with the highest RSS, bytes by
 *     "name (id)", largest first (at most {@code MemorySampler.STORAGE_ENTRIES})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemoryBreakdown(@JsonProperty("samples") int samples, @JsonProperty("at_peak_rss") Parts atPeakRss,
    @JsonProperty("peaks") Parts peaks, @JsonProperty("validation_collect_bytes") Long validationCollectBytes,
    @JsonProperty("storage_at_peak_rss") Map<String, Long> storageAtPeakRss) {
  public MemoryBreakdown {
    storageAtPeakRss = storageAtPeakRss == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(storageAtPeakRss));
  }

  /** A breakdown without Spark's storage by RDD. */
  public MemoryBreakdown(int samples, Parts atPeakRss, Parts peaks, Long validationCollectBytes) {
    this(samples, atPeakRss, peaks, validationCollectBytes, Map.of());
  }

  /** This breakdown with the validation collect's size (null: none). */
  public MemoryBreakdown withValidationCollectBytes(Long bytes) {
    return new MemoryBreakdown(samples, atPeakRss, peaks, bytes, storageAtPeakRss);
  }

  /**
   * One sample's parts, in bytes. {@code otherNativeBytes} is what the JVM does not account for:
   * the RSS less the committed heap, the JVM's committed non-heap pools (metaspace, code cache)
   * and its direct buffers. In a Magnet job that is mostly ND4J's native arrays (libnd4j allocates
   * them itself, and frees them only once the Java object that holds them is collected), oneDNN's
   * scratch memory, the native libraries' code, thread stacks and the C allocator's free lists.
   *
   * @param rssBytes resident set size
   * @param heapUsedBytes Java heap in use (live and not yet collected objects)
   * @param heapCommittedBytes Java heap the JVM holds from the OS
   * @param jvmNonHeapCommittedBytes metaspace, code cache, compressed class space
   * @param directBufferBytes NIO direct and mapped buffers (Spark's and Netty's network buffers)
   * @param javacppBytes native memory JavaCPP tracks ({@code Pointer.totalBytes()}: pointers with
   *     a deallocator; ND4J's arrays are not among them)
   * @param nd4jWorkspaceBytes ND4J's workspaces (DL4J's per-thread activation and gradient arenas)
   * @param sparkStorageBytes Spark's block manager storage in memory (cached RDD partitions,
   *     broadcasts), all executors
   * @param otherNativeBytes the RSS the parts above do not account for (see above; never negative)
   */
  public record Parts(@JsonProperty("rss_bytes") long rssBytes, @JsonProperty("heap_used_bytes") long heapUsedBytes,
      @JsonProperty("heap_committed_bytes") long heapCommittedBytes,
      @JsonProperty("jvm_non_heap_committed_bytes") long jvmNonHeapCommittedBytes,
      @JsonProperty("direct_buffer_bytes") long directBufferBytes, @JsonProperty("javacpp_bytes") long javacppBytes,
      @JsonProperty("nd4j_workspace_bytes") long nd4jWorkspaceBytes,
      @JsonProperty("spark_storage_bytes") long sparkStorageBytes,
      @JsonProperty("other_native_bytes") long otherNativeBytes) {

    /** A sample from its measured parts; the unaccounted native part is derived from them. */
    public static Parts of(long rss, long heapUsed, long heapCommitted, long nonHeapCommitted, long direct, long javacpp,
        long workspaces, long storage) {
      long other = Math.max(0, rss - heapCommitted - nonHeapCommitted - direct);
      return new Parts(rss, heapUsed, heapCommitted, nonHeapCommitted, direct, javacpp, workspaces, storage, other);
    }

    /** Each part's larger value of the two. */
    public Parts max(Parts o) {
      return new Parts(Math.max(rssBytes, o.rssBytes), Math.max(heapUsedBytes, o.heapUsedBytes),
          Math.max(heapCommittedBytes, o.heapCommittedBytes), Math.max(jvmNonHeapCommittedBytes, o.jvmNonHeapCommittedBytes),
          Math.max(directBufferBytes, o.directBufferBytes), Math.max(javacppBytes, o.javacppBytes),
          Math.max(nd4jWorkspaceBytes, o.nd4jWorkspaceBytes), Math.max(sparkStorageBytes, o.sparkStorageBytes),
          Math.max(otherNativeBytes, o.otherNativeBytes));
    }
  }
}
