package dev.magnet.spark.cli;

import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.spark.data.ImageSize;
import dev.magnet.spark.train.ImageOptions;
import dev.magnet.spark.train.TrainArgs;
import picocli.CommandLine.Option;

/**
 * {@code train}'s options for image files (a picocli mixin): their classes, size, channels and
 * augmentation, as {@link ImageOptions}.
 */
public final class ImageArgs {
  @Option(names = TrainArgs.LABELS, paramLabel = "CSV",
      description = "The classes of the image folders' files (for corpora whose folders are not classes): a CSV with"
          + " the header path,label; paths absolute or relative to the folder's root. Files it does not list are"
          + " rejected (unlabelled).")
  String labels;

  @Option(names = TrainArgs.IMAGE_SIZE, converter = Converters.Size.class, paramLabel = "H[xW]",
      description = "The size image files are resized to (bilinear, never cropped); default: their most common size"
          + " when both sides are at most 64 px, else 64x64.")
  ImageSize imageSize;

  @Option(names = TrainArgs.CHANNELS, paramLabel = "1|3",
      description = "Grey (1, BT.601 luminance) or RGB (3) inputs from image files; default: 1 when the sampled files"
          + " are all grey, else 3.")
  Integer channels;

  @Option(names = TrainArgs.AUGMENT, converter = EnumOption.Augment.class,
      completionCandidates = EnumOption.Augment.class, paramLabel = "AUGMENT",
      description = "Augmentation of training batches (8-bit images), seeded per example and epoch: one of"
          + " ${COMPLETION-CANDIDATES} (crop-flip: torchvision's random-resized crop, then a horizontal flip);"
          + " default: none. Never applied to validation, index refreshes, evaluation or embedding.")
  Augmentation augment;

  /** The options given, {@link Augmentation#NONE} when none is. */
  ImageOptions options() {
    return new ImageOptions(imageSize, channels, augment == null ? Augmentation.NONE : augment, labels);
  }
}
