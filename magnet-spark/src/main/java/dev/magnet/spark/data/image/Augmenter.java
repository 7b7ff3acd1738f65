package dev.magnet.spark.data.image;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.core.data.RandomResizedCrop;
import java.io.Serializable;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The augmentation of training examples ({@link Augmentation}), applied on the executors to the
 * 8-bit planes of one drawn example where its batch is built, with a random source seeded for that
 * draw: the same seed gives the same bits.
 *
 * <p>The crop is taken from the decoded image at the model's input size, which is what the job
 * caches (decoded once, never again), and resized back to that size by the decoder's own resize
 * ({@link ImageDecoder#resize}); torchvision crops the full-resolution file instead, so a crop of
 * a fraction s of the area here holds s·H·W source pixels, upsampled.
 */
public final class Augmenter implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Augmentation augmentation;
  private final int channels;
  private final int height;
  private final int width;

  private Augmenter(Augmentation augmentation, int channels, int height, int width) {
    this.augmentation = augmentation;
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  /** The augmenter of {@code preprocessing}, or null when it augments nothing. */
  public static Augmenter of(ImagePreprocessing preprocessing) {
    if (preprocessing == null || preprocessing.augmentation() == Augmentation.NONE) {
      return null;
    }
    return new Augmenter(preprocessing.augmentation(), preprocessing.channels(), preprocessing.height(),
        preprocessing.width());
  }

  /**
   * A new, augmented copy of {@code pixels} ({@code channels x height x width} bytes, channel planes).
   *
   * @throws IllegalArgumentException when {@code pixels} are not of the augmenter's shape
   */
  public byte[] apply(byte[] pixels, SplittableRandom random) {
    Objects.requireNonNull(random, "random");
    int plane = height * width;
    if (pixels.length != channels * plane) {
      throw new IllegalArgumentException("augmented examples must be 8-bit images of " + channels + "x" + height + "x"
          + width + "; bytes=" + pixels.length);
    }
    byte[] out = new byte[pixels.length];
    RandomResizedCrop crop = augmentation == Augmentation.CROP_FLIP ? RandomResizedCrop.draw(height, width, random)
        : new RandomResizedCrop(0, 0, height, width);
    boolean flip = RandomResizedCrop.flip(random);
    byte[] source = new byte[plane];
    for (int c = 0; c < channels; c++) {
      System.arraycopy(pixels, c * plane, source, 0, plane);
      byte[] resized = crop.height() == height && crop.width() == width ? source
          : ImageDecoder.resize(cut(source, crop), crop.width(), crop.height(), width, height);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          out[c * plane + y * width + x] = resized[y * width + (flip ? width - 1 - x : x)];
        }
      }
    }
    return out;
  }

  /** The crop's pixels of one plane. */
  private byte[] cut(byte[] plane, RandomResizedCrop crop) {
    byte[] out = new byte[crop.height() * crop.width()];
    for (int y = 0; y < crop.height(); y++) {
      System.arraycopy(plane, (crop.top() + y) * width + crop.left(), out, y * crop.width(), crop.width());
    }
    return out;
  }
}
