package dev.magnet.spark.cli;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * The experiment tests' data: generated 28x28 images, 3 classes x 2 sub-classes x 48 images
 * (6 fine labels), 240 to train (5 batches of 48) and 48 to test, written as IDX files with the
 * sub-class labels.
 *
 * @param train the CLI's spelling of the training files ({@code idx:IMAGES,LABELS})
 * @param test the CLI's spelling of the test files
 * @param trainFine the fine labels of the training file
 */
record ExperimentData(String train, String test, int[] trainFine) {
  /** Writes the two IDX pairs under {@code dir/data}. */
  static ExperimentData write(Path dir) throws IOException {
    LabelledDataset all = SyntheticData.images(3, 2, 48, 28, 11);
    Path data = Files.createDirectories(dir.resolve("data"));
    LabelledDataset train = all.subset(IntStream.range(0, 240).toArray());
    return new ExperimentData(writeIdx(data, "train", train),
        writeIdx(data, "test", all.subset(IntStream.range(240, all.size()).toArray())), train.fineLabels());
  }

  /** Writes images and sub-class labels as IDX; returns the CLI's spelling of the pair. */
  private static String writeIdx(Path data, String name, LabelledDataset set) throws IOException {
    Path imagesFile = data.resolve(name + "-images.idx");
    Path labelsFile = data.resolve(name + "-labels.idx");
    IdxWriter.writeImages(imagesFile, set.features(), IdxWriter.Compression.NONE);
    IdxWriter.writeLabels(labelsFile, set.fineLabels(), IdxWriter.Compression.NONE);
    return "idx:" + imagesFile + "," + labelsFile;
  }
}
