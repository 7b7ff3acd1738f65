package dev.magnet.core.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fine→coarse label map for hierarchy recovery. The text form has one {@code fine coarse} pair of
 * non-negative ints per line; {@code #} starts a comment and blank lines are ignored:
 *
 * <pre>
 * # Fashion-MNIST: tops
 * 0 0
 * 2 0
 * </pre>
 */
public final class HierarchyMap {

  private final Map<Integer, Integer> fineToCoarse;

  private HierarchyMap(Map<Integer, Integer> fineToCoarse) {
    this.fineToCoarse = Collections.unmodifiableMap(new TreeMap<>(fineToCoarse));
  }

  /** Fashion-MNIST grouped as tops {0,2,3,4,6}→0, trouser {1}→1, footwear {5,7,9}→2, bag {8}→3. */
  public static HierarchyMap fashionMnistCoarse() {
    int[] coarse = {0, 1, 0, 0, 0, 2, 0, 2, 3, 2};
    Map<Integer, Integer> map = new HashMap<>();
    for (int fine = 0; fine < coarse.length; fine++) {
      map.put(fine, coarse[fine]);
    }
    return new HierarchyMap(map);
  }

  /** Parses the text form from a UTF-8 file. */
  public static HierarchyMap parse(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read hierarchy map " + file, e);
    }
  }

  /** Parses the text form; the reader is not closed. */
  public static HierarchyMap parse(Reader reader) throws IOException {
    BufferedReader lines = new BufferedReader(reader);
    Map<Integer, Integer> map = new HashMap<>();
    Map<Integer, Integer> definedAt = new HashMap<>();
    String raw;
    int lineNumber = 0;
    while ((raw = lines.readLine()) != null) {
      lineNumber++;
      int hash = raw.indexOf('#');
      String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] fields = line.split("\\s+");
      int fine;
      int coarse;
      try {
        if (fields.length != 2) {
          throw new NumberFormatException();
        }
        fine = Integer.parseInt(fields[0]);
        coarse = Integer.parseInt(fields[1]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("line must be 'fine coarse' with two integers; line "
            + lineNumber + "='" + raw + "'");
      }
      if (fine < 0 || coarse < 0) {
        throw new IllegalArgumentException("labels must be non-negative; line " + lineNumber
            + "='" + raw + "'");
      }
      Integer first = definedAt.putIfAbsent(fine, lineNumber);
      if (first != null) {
        throw new IllegalArgumentException("fine label must appear once; fine=" + fine + " on lines "
            + first + " and " + lineNumber);
      }
      map.put(fine, coarse);
    }
    if (map.isEmpty()) {
      throw new IllegalArgumentException("hierarchy map must have at least one line; lines=" + lineNumber);
    }
    return new HierarchyMap(map);
  }

  /** The coarse label of one fine label. */
  public int coarseOf(int fine) {
    Integer coarse = fineToCoarse.get(fine);
    if (coarse == null) {
      throw new IllegalArgumentException("fine label must be in the hierarchy map; fine=" + fine);
    }
    return coarse;
  }

  /** The coarse label of each fine label. */
  public int[] toCoarse(int[] fine) {
    int[] coarse = new int[fine.length];
    for (int i = 0; i < fine.length; i++) {
      Integer c = fineToCoarse.get(fine[i]);
      if (c == null) {
        throw new IllegalArgumentException("fine label must be in the hierarchy map; fine=" + fine[i]
            + " at index " + i);
      }
      coarse[i] = c;
    }
    return coarse;
  }

  /** The map itself, fine label order. */
  public Map<Integer, Integer> asMap() {
    return fineToCoarse;
  }
}
