package dev.magnet.it;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import java.io.IOException;
import java.nio.file.Path;

/** Tiny seeded data sets written as real files, for the end-to-end runs. */
public final class TestData {
  private TestData() {}

  /** Where an IDX pair was written, as the CLI's {@code idx:} spelling. */
  public record IdxPair(Path images, Path labels) {
    public String spec() {
      return "idx:" + images + "," + labels;
    }
  }

  /**
   * 3 classes × 2 hidden sub-classes × {@code perSubclass} grey 8×8 images: the smallest images
   * the core's generator makes, which an MLP embeds in milliseconds.
   */
  public static LabelledDataset images(int perSubclass, long seed) {
    return SyntheticData.images(3, 2, perSubclass, SyntheticData.MIN_IMAGE_SIZE, seed);
  }

  /** Writes {@code data} as plain IDX files {@code <prefix>-images.idx} and {@code <prefix>-labels.idx}. */
  public static IdxPair writeIdx(LabelledDataset data, Path directory, String prefix) throws IOException {
    Path images = directory.resolve(prefix + "-images.idx");
    Path labels = directory.resolve(prefix + "-labels.idx");
    IdxWriter.writeImages(images, data.features(), IdxWriter.Compression.NONE);
    IdxWriter.writeLabels(labels, data.labels(), IdxWriter.Compression.NONE);
    return new IdxPair(images, labels);
  }
}
