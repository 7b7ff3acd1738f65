package dev.magnet.spark.data;

import dev.magnet.core.data.ImagePreprocessing;

/**
 * How a load turns image files (an {@code images:} folder, a Parquet table of encoded images) into
 * examples: exactly as a model or the training data did ({@code preprocessing}), or as the options
 * say with what is not said inferred from the files ({@link ImageDatasets}). Other data ignores it.
 *
 * @param preprocessing the preprocessing to apply as it is (a model's, the training data's), or
 *     null to take {@code size} and {@code channels} and infer what they leave open
 * @param size {@code --image-size}, or null
 * @param channels {@code --channels} (1 or 3), or null
 * @param labels {@code --labels}: a CSV of {@code path,label} naming the class of each file of an
 *     {@code images:} folder, or null for the class folders
 */
public record ImageLoading(ImagePreprocessing preprocessing, ImageSize size, Integer channels, String labels) {
  /** Nothing given: sizes and channels inferred, classes from the folders. */
  public static final ImageLoading INFERRED = new ImageLoading(null, null, null, null);

  public ImageLoading {
    if (channels != null && channels != 1 && channels != 3) {
      throw new IllegalArgumentException("--channels must be 1 (grey) or 3 (RGB); channels=" + channels);
    }
    if (preprocessing != null && (size != null || channels != null)) {
      throw new IllegalArgumentException("image size and channels come from the given preprocessing; size=" + size
          + " channels=" + channels);
    }
  }

  /** Exactly {@code preprocessing} (a model's or the training data's), with the classes of {@code labels} or the folders. */
  public static ImageLoading as(ImagePreprocessing preprocessing, String labels) {
    return new ImageLoading(preprocessing, null, null, labels);
  }
}
