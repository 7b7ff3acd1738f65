package dev.magnet.core.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) as installed by the Debian package
 * {@code dataset-fashion-mnist}: four gzip IDX files in {@value #DEFAULT_DIRECTORY_NAME}.
 * 60,000 training and 10,000 test images of 28x28 grey pixels in 10 balanced classes.
 *
 * <p>Every method has an overload taking the directory that holds the files, for copies made
 * elsewhere; a file may be stored gzip-compressed ({@code name.gz}) or plain ({@code name}).
 */
public final class FashionMnist {
  /** Where {@code apt-get install dataset-fashion-mnist} puts the IDX files. */
  public static final String DEFAULT_DIRECTORY_NAME = "/usr/share/datasets/fashion-mnist";
  /** {@link #DEFAULT_DIRECTORY_NAME} as a path. */
  public static final Path DEFAULT_DIRECTORY = Path.of(DEFAULT_DIRECTORY_NAME);
  /** The command that installs the files, quoted in the error when they are missing. */
  public static final String INSTALL_COMMAND = "sudo apt-get install dataset-fashion-mnist";
  /** Class names in label order, as in the data set's documentation. */
  public static final List<String> LABEL_NAMES = List.of(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
  /** Examples in the training split. */
  public static final int TRAIN_SIZE = 60_000;
  /** Examples in the test split. */
  public static final int TEST_SIZE = 10_000;

  private static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  private static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  private static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  private static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
  private static final List<String> FILES =
      List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);
  private static final String GZIP_SUFFIX = ".gz";

  private FashionMnist() {}

  /** Whether all four files are in {@link #DEFAULT_DIRECTORY}. */
  public static boolean isInstalled() {
    return isInstalled(DEFAULT_DIRECTORY);
  }

  /** Whether all four files are in {@code directory}. */
  public static boolean isInstalled(Path directory) {
    Objects.requireNonNull(directory, "directory");
    return FILES.stream().allMatch(name -> find(directory, name) != null);
  }

  /** The first {@code min(limit, 60000)} training examples from {@link #DEFAULT_DIRECTORY}. */
  public static LabelledDataset train(int limit) throws IOException {
    return train(DEFAULT_DIRECTORY, limit);
  }

  /** The first {@code min(limit, 60000)} training examples from {@code directory}. */
  public static LabelledDataset train(Path directory, int limit) throws IOException {
    return read(directory, TRAIN_IMAGES, TRAIN_LABELS, "train", limit);
  }

  /** The first {@code min(limit, 10000)} test examples from {@link #DEFAULT_DIRECTORY}. */
  public static LabelledDataset test(int limit) throws IOException {
    return test(DEFAULT_DIRECTORY, limit);
  }

  /** The first {@code min(limit, 10000)} test examples from {@code directory}. */
  public static LabelledDataset test(Path directory, int limit) throws IOException {
    return read(directory, TEST_IMAGES, TEST_LABELS, "test", limit);
  }

  private static LabelledDataset read(
      Path directory, String imagesName, String labelsName, String split, int limit)
      throws IOException {
    Objects.requireNonNull(directory, "directory");
    Path images = require(directory, imagesName);
    Path labels = require(directory, labelsName);
    return IdxReader.readDataset(images, labels, LABEL_NAMES, limit, "fashion-mnist " + split);
  }

  private static Path require(Path directory, String name) throws FileNotFoundException {
    Path file = find(directory, name);
    if (file == null) {
      throw new FileNotFoundException(
          "Fashion-MNIST file " + name + "[" + GZIP_SUFFIX + "] not found in "
              + directory.toAbsolutePath() + "; install it with: " + INSTALL_COMMAND
              + " (or pass the directory that holds the IDX files)");
    }
    return file;
  }

  /** The compressed file if present, else the plain one, else null. */
  private static Path find(Path directory, String name) {
    Path gzip = directory.resolve(name + GZIP_SUFFIX);
    if (Files.isRegularFile(gzip)) {
      return gzip;
    }
    Path plain = directory.resolve(name);
    return Files.isRegularFile(plain) ? plain : null;
  }
}
