package dev.magnet.it;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;

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

  /**
   * Writes {@code data}'s grey images as PNG files in the folder tree {@code embed --input images:}
   * reads: {@code root/<label>/<index>.png}, the label being the class id as IDX-trained models
   * name their classes ("0", "1", ...). Returns {@code root}.
   */
  public static Path writePngs(LabelledDataset data, Path root) throws IOException {
    INDArray features = data.features();
    int size = (int) features.size(2);
    int[] labels = data.labels();
    for (int i = 0; i < data.size(); i++) {
      BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int grey = (int) Math.round(features.getDouble(i, 0, y, x) * 255);
          image.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, grey)));
        }
      }
      Path file = Files.createDirectories(root.resolve(Integer.toString(labels[i]))).resolve(i + ".png");
      if (!ImageIO.write(image, "png", file.toFile())) {
        throw new IOException("no PNG writer for " + file);
      }
    }
    return root;
  }
}
