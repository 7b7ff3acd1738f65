package dev.magnet.spark.data;

import dev.magnet.spark.data.image.RejectedFile;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What loading image files did: every input is either decoded (and cached as an example) or
 * rejected, with the reason.
 *
 * @param source where the images came from
 * @param inputs files (or table rows) read
 * @param rejects the inputs that could not be used, each with its reason
 * @param classCounts usable images of every class, in class-id order, zeros included
 * @param decodeSeconds the one-off read and decode of every input, on the executors
 */
public record ImageReport(String source, long inputs, List<RejectedFile> rejects, Map<String, Long> classCounts,
    double decodeSeconds) {
  public ImageReport {
    Objects.requireNonNull(source, "source");
    rejects = List.copyOf(rejects);
    classCounts = Collections.unmodifiableMap(new LinkedHashMap<>(classCounts));
  }

  /** Images decoded and kept. */
  public long decoded() {
    return classCounts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Inputs rejected. */
  public long rejected() {
    return rejects.size();
  }

  /** Rejected inputs by reason (its spelling), sorted. */
  public Map<String, Long> rejectedByReason() {
    Map<String, Long> counts = new TreeMap<>();
    for (RejectedFile r : rejects) {
      counts.merge(r.reason().spelling(), 1L, Long::sum);
    }
    return counts;
  }
}
