package dev.magnet.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.IdxWriter.Compression;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class FashionMnistTest {
  /** Mean training pixel in [0, 1], as published (e.g. torchvision's normalisation). */
  private static final double TRAIN_PIXEL_MEAN = 0.2860;

  @TempDir Path dir;

  /** Runs on the real files; CI installs them, so their absence is a failure, not a skip. */
  @Test
  void installedFilesHaveTheDocumentedSizesAndBalance() throws IOException {
    assertTrue(FashionMnist.isInstalled(), "Fashion-MNIST is not in "
        + FashionMnist.DEFAULT_DIRECTORY + "; install it with: " + FashionMnist.INSTALL_COMMAND);

    LabelledDataset train = FashionMnist.train(IdxReader.ALL);
    assertEquals(FashionMnist.TRAIN_SIZE, train.size());
    assertArrayEquals(new long[] {1, 28, 28}, train.featureShape());
    assertEquals(FashionMnist.LABEL_NAMES, train.labelNames());
    int[] sixThousandEach = new int[10];
    Arrays.fill(sixThousandEach, 6000);
    assertArrayEquals(sixThousandEach, train.classCounts());
    assertEquals(TRAIN_PIXEL_MEAN, train.features().castTo(DataType.DOUBLE).meanNumber().doubleValue(), 1e-3);
    assertTrue(train.description().startsWith("fashion-mnist train images="),
        train.description());

    LabelledDataset test = FashionMnist.test(IdxReader.ALL);
    assertEquals(FashionMnist.TEST_SIZE, test.size());
    assertArrayEquals(new long[] {1, 28, 28}, test.featureShape());
    int[] oneThousandEach = new int[10];
    Arrays.fill(oneThousandEach, 1000);
    assertArrayEquals(oneThousandEach, test.classCounts());

    LabelledDataset first = FashionMnist.test(5);
    assertEquals(test.subset(new int[] {0, 1, 2, 3, 4}).features(), first.features());
  }

  @Test
  void missingFilesNameTheDirectoryAndTheInstallCommand() {
    assertFalse(FashionMnist.isInstalled(dir));
    FileNotFoundException e =
        assertThrows(FileNotFoundException.class, () -> FashionMnist.train(dir, 10));
    assertEquals("Fashion-MNIST file train-images-idx3-ubyte[.gz] not found in "
        + dir.toAbsolutePath() + "; install it with: sudo apt-get install dataset-fashion-mnist"
        + " (or pass the directory that holds the IDX files)", e.getMessage());
  }

  @Test
  void readsPlainFilesFromAnOverrideDirectory() throws IOException {
    int[] labels = {9, 0, 3};
    IdxWriter.writeImages(dir.resolve("t10k-images-idx3-ubyte"),
        Nd4j.zeros(DataType.FLOAT, 3, 1, 28, 28), Compression.NONE);
    IdxWriter.writeLabels(dir.resolve("t10k-labels-idx1-ubyte"), labels, Compression.NONE);
    assertFalse(FashionMnist.isInstalled(dir), "train files are still missing");

    LabelledDataset test = FashionMnist.test(dir, 2);
    assertArrayEquals(new int[] {9, 0}, test.labels());
    assertEquals("Ankle boot", test.labelNames().get(test.labels()[0]));
    assertTrue(test.description().startsWith("fashion-mnist test images="), test.description());

    Files.copy(dir.resolve("t10k-images-idx3-ubyte"), dir.resolve("train-images-idx3-ubyte"));
    Files.copy(dir.resolve("t10k-labels-idx1-ubyte"), dir.resolve("train-labels-idx1-ubyte"));
    assertTrue(FashionMnist.isInstalled(dir));
  }
}
