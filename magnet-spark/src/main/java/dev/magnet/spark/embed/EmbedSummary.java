package dev.magnet.spark.embed;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an embedding run did.
 *
 * @param read inputs read (embedded + rejected)
 * @param embedded rows of the embeddings table
 * @param rejectedByReason rows of the rejects table by {@link RejectReason#spelling()}
 * @param unknownFolders image counts of class folders that name none of the model's classes
 *     (embedded with a null label)
 * @param output the embeddings table's qualified location
 * @param rejects the rejects table's qualified location
 * @param seconds time to read, decode, embed and write both tables
 * @param cpuSeconds the CPU time the driver's JVM spent meanwhile (the executors' too in local mode): on a
 *     shared machine a steadier figure than the wall time
 * @param skipped files an incremental run skipped: in an earlier table with the same size and modification time
 * @param carried rows of the earlier tables an incremental run kept
 */
public record EmbedSummary(long read, long embedded, Map<String, Long> rejectedByReason,
    Map<String, Long> unknownFolders, String output, String rejects, double seconds, double cpuSeconds, long skipped, long carried) {
  public EmbedSummary {
    rejectedByReason = Collections.unmodifiableMap(new TreeMap<>(rejectedByReason));
    unknownFolders = Collections.unmodifiableMap(new TreeMap<>(unknownFolders));
    long rejected = rejectedByReason.values().stream().mapToLong(Long::longValue).sum();
    if (read != embedded + rejected) {
      throw new IllegalArgumentException("read must be embedded + rejected; read=" + read + " embedded=" + embedded
          + " rejected=" + rejected);
    }
  }

  /** Rows of the rejects table. */
  public long rejected() {
    return read - embedded;
  }

  /** Embedded images whose folder names none of the model's classes. */
  public long unlabelled() {
    return unknownFolders.values().stream().mapToLong(Long::longValue).sum();
  }
}
