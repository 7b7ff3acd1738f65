package dev.magnet.spark.data;

import dev.magnet.core.eval.HierarchyMap;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A fine→coarse grouping as the CLI spells it: {@code fashion-mnist} (tops, trouser, footwear,
 * bag) or the path of a map file ({@link HierarchyMap}'s text form) on any Hadoop file system,
 * whose coarse classes are named "coarse-0".."coarse-K".
 *
 * @param map fine → coarse
 * @param coarseNames name of every coarse class
 */
public record Hierarchy(HierarchyMap map, List<String> coarseNames) {
  /** Names of {@link HierarchyMap#fashionMnistCoarse()}'s groups, in coarse-id order. */
  public static final List<String> FASHION_MNIST_COARSE = List.of("tops", "trouser", "footwear", "bag");

  public Hierarchy {
    coarseNames = List.copyOf(coarseNames);
  }

  /** Reads the grouping; a missing file is a {@link FileNotFoundException} naming it. */
  public static Hierarchy load(String spec, Configuration conf) throws IOException {
    if (spec.equals("fashion-mnist")) {
      return new Hierarchy(HierarchyMap.fashionMnistCoarse(), FASHION_MNIST_COARSE);
    }
    Path file = new Path(spec);
    FileSystem fs = file.getFileSystem(conf);
    if (!fs.exists(file)) {
      throw new FileNotFoundException("hierarchy map file not found: " + fs.makeQualified(file));
    }
    HierarchyMap map;
    try (Reader reader = new InputStreamReader(fs.open(file), StandardCharsets.UTF_8)) {
      map = HierarchyMap.parse(reader);
    }
    int coarseClasses = Collections.max(map.asMap().values()) + 1;
    List<String> names = new ArrayList<>(coarseClasses);
    for (int c = 0; c < coarseClasses; c++) {
      names.add("coarse-" + c);
    }
    return new Hierarchy(map, names);
  }

  /**
   * Counts by coarse class of counts by fine class, in fine-id order (a class's position is its
   * id), for the coarse classes in their order.
   *
   * @throws IllegalArgumentException when a fine class is not in the map
   */
  public Map<String, Long> coarseCounts(Map<String, Long> fineCounts) {
    long[] sums = new long[coarseNames.size()];
    int fine = 0;
    for (long n : fineCounts.values()) {
      sums[map.coarseOf(fine++)] += n;
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    for (int c = 0; c < sums.length; c++) {
      counts.put(coarseNames.get(c), sums[c]);
    }
    return counts;
  }
}
