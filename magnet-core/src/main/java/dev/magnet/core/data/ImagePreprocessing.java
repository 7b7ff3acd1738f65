package dev.magnet.core.data;

import dev.magnet.core.nn.InputShape;
import java.io.Serializable;
import java.util.Objects;

/**
 * How an image becomes a network input, recorded in a model's {@code metadata.json} so that every
 * path that embeds with the model ({@code embed}, {@code evaluate}, the Spark ML model, training's
 * own validation) applies exactly what training applied.
 *
 * <p>An image (a file of any size and colour type, or pixels already decoded) is converted to
 * {@code channels} planes ({@link Colour}), resized to {@code height x width} ({@link Resize}) and
 * held as 8-bit values; the network reads each value scaled as {@link Scaling} says. Training
 * batches may in addition be augmented ({@link Augmentation}); nothing else ever is.
 *
 * @param channels 1 (grey) or 3 (R, G, B)
 * @param height the network's input height
 * @param width the network's input width
 * @param resize the filter that brings an image of another size to {@code height x width}
 * @param colour how colour and grey images become {@code channels} planes
 * @param scaling what the network reads of each 8-bit value
 * @param augmentation what training did to its batches (never applied at inference)
 */
public record ImagePreprocessing(int channels, int height, int width, Resize resize, Colour colour, Scaling scaling,
    Augmentation augmentation) implements Serializable {
  /** The largest side accepted: 4096 px, far beyond what a network here trains on (224 px is the paper's). */
  public static final int MAX_SIDE = 4096;

  /**
   * The resize filters. A model records its own, so that a later change of the filter cannot
   * silently change what an older model sees.
   */
  public enum Resize {
    /**
     * Bilinear interpolation (Java2D's, pixel centres aligned), after successive exact 2x2 halvings
     * while the image is more than twice the target size, so that a large reduction averages
     * every pixel (docs/design.md, "Image files").
     */
    BILINEAR
  }

  /** How colour types are converted. */
  public enum Colour {
    /**
     * Grey planes as stored (16-bit scaled to 8), colour through the image's colour model to sRGB;
     * one channel is the ITU-R BT.601 luminance {@code (299 R + 587 G + 114 B) / 1000}, rounded;
     * three channels are R, G, B (a grey image repeated). Alpha is dropped.
     */
    BT601
  }

  /** What the network reads of an 8-bit value v. */
  public enum Scaling {
    /** {@code v / 255}, in [0, 1], as IDX pixels are read; no mean or standard deviation is subtracted. */
    UNIT
  }

  /**
   * The augmentation of training batches, applied on the executors to each drawn example after
   * decoding, seeded per example and epoch; never to validation, index refreshes, evaluation or
   * embedding, which see the deterministic resize only.
   */
  public enum Augmentation {
    /** None: the decoded image as it is. */
    NONE,
    /** A horizontal flip with probability 1/2 (torchvision's {@code RandomHorizontalFlip}). */
    FLIP,
    /**
     * torchvision's {@code RandomResizedCrop} (scale 0.08..1 of the area, aspect ratio 3/4..4/3,
     * ten tries then the central crop; {@link RandomResizedCrop}), resized back to the input size
     * bilinearly, then the flip of {@link #FLIP}.
     */
    CROP_FLIP
  }

  public ImagePreprocessing {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("images have 1 (grey) or 3 (RGB) channels; channels=" + channels);
    }
    if (height < 1 || width < 1 || height > MAX_SIDE || width > MAX_SIDE) {
      throw new IllegalArgumentException("image size must be positive and at most " + MAX_SIDE + "x" + MAX_SIDE
          + "; size=" + height + "x" + width);
    }
    Objects.requireNonNull(resize, "resize");
    Objects.requireNonNull(colour, "colour");
    Objects.requireNonNull(scaling, "scaling");
    Objects.requireNonNull(augmentation, "augmentation");
  }

  /** The preprocessing of {@code shape} (an image shape of 1 or 3 channels) without augmentation. */
  public static ImagePreprocessing of(InputShape shape) {
    Objects.requireNonNull(shape, "shape");
    if (shape.kind() != InputShape.Kind.IMAGE) {
      throw new IllegalArgumentException("preprocessing is for image inputs; input=" + shape);
    }
    return of(shape.channels(), shape.height(), shape.width());
  }

  /** The preprocessing of images of {@code channels x height x width}, without augmentation. */
  public static ImagePreprocessing of(int channels, int height, int width) {
    return new ImagePreprocessing(channels, height, width, Resize.BILINEAR, Colour.BT601, Scaling.UNIT,
        Augmentation.NONE);
  }

  /**
   * What a model whose metadata records no preprocessing (format version 1) was trained with: the
   * same as {@link #of(InputShape)} for its input, which is what {@code embed} did with such models;
   * null for a vector input, or an image input of another channel count.
   */
  public static ImagePreprocessing implied(InputShape input) {
    return input.kind() == InputShape.Kind.IMAGE && (input.channels() == 1 || input.channels() == 3) ? of(input)
        : null;
  }

  /** The network input this gives. */
  public InputShape shape() {
    return InputShape.image(channels, height, width);
  }

  /** Values in one image: {@code channels * height * width}. */
  public int size() {
    return channels * height * width;
  }

  /** The same with another augmentation of training batches. */
  public ImagePreprocessing withAugmentation(Augmentation value) {
    return new ImagePreprocessing(channels, height, width, resize, colour, scaling, value);
  }

  /**
   * Whether two preprocessings give the same network input from the same image: all but the
   * training augmentation agree.
   */
  public boolean sameInput(ImagePreprocessing other) {
    return other != null && withAugmentation(Augmentation.NONE).equals(other.withAugmentation(Augmentation.NONE));
  }
}
