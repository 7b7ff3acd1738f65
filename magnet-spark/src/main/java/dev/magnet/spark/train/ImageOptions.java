package dev.magnet.spark.train;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.ImageLoading;
import dev.magnet.spark.data.ImageSize;
import java.util.Objects;

/**
 * What a {@code train} run is told about image files: the size and channels to bring them to (else
 * inferred from the files, or taken from the {@code --init-from} model), their classes
 * ({@code --labels}, else their folders), and the augmentation of training batches.
 *
 * @param size {@code --image-size}, or null
 * @param channels {@code --channels}, 1 or 3, or null
 * @param augmentation {@code --augment}
 * @param labels {@code --labels}: a CSV of path,label, or null
 */
public record ImageOptions(ImageSize size, Integer channels, Augmentation augmentation, String labels) {
  public ImageOptions {
    if (channels != null && channels != 1 && channels != 3) {
      throw new IllegalArgumentException(TrainArgs.CHANNELS + " must be 1 (grey) or 3 (RGB); channels=" + channels);
    }
    Objects.requireNonNull(augmentation, "augmentation");
  }

  /** Nothing said: inferred sizes, folder classes, no augmentation. */
  public static ImageOptions defaults() {
    return new ImageOptions(null, null, Augmentation.NONE, null);
  }

  public ImageOptions withSize(ImageSize value) {
    return new ImageOptions(value, channels, augmentation, labels);
  }

  public ImageOptions withChannels(Integer value) {
    return new ImageOptions(size, value, augmentation, labels);
  }

  public ImageOptions withAugmentation(Augmentation value) {
    return new ImageOptions(size, channels, value, labels);
  }

  public ImageOptions withLabels(String value) {
    return new ImageOptions(size, channels, augmentation, value);
  }

  /**
   * How the training data's image files are loaded: as the options say, or exactly as the model
   * to continue from takes them when the options say nothing of size and channels.
   *
   * @param base the {@code --init-from} model's preprocessing, or null
   * @param source the data the loading is for ({@code --labels} applies to image folders only)
   */
  public ImageLoading training(ImagePreprocessing base, DataSource source) {
    String csv = source.kind() == DataSource.Kind.IMAGES ? labels : null;
    return base != null && size == null && channels == null ? ImageLoading.as(base.withAugmentation(Augmentation.NONE),
        csv) : new ImageLoading(null, size, channels, csv);
  }

  /** How held-out image files are loaded: exactly as the training data was. */
  public ImageLoading heldOut(ImagePreprocessing training, DataSource source) {
    return ImageLoading.as(training == null ? null : training.withAugmentation(Augmentation.NONE),
        source.kind() == DataSource.Kind.IMAGES ? labels : null);
  }
}
