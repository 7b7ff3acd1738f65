package dev.magnet.spark.demo;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One {@code demo} run.
 *
 * @param dir where everything goes: the demo's own directory
 * @param epochs training epochs
 * @param perSubclass generated images per hidden sub-class, a sixth of them held out
 * @param seed seed of the data and the training
 */
public record DemoRequest(Path dir, int epochs, int perSubclass, long seed) {
  /** The fewest images per sub-class: a sixth held out leaves one to test on. */
  public static final int MIN_PER_SUBCLASS = 6;

  public DemoRequest {
    Objects.requireNonNull(dir, "dir");
    if (epochs < 1 || perSubclass < MIN_PER_SUBCLASS) {
      throw new IllegalArgumentException("--epochs must be at least 1 and --per-subclass at least " + MIN_PER_SUBCLASS
          + "; epochs=" + epochs + " per-subclass=" + perSubclass);
    }
  }
}
