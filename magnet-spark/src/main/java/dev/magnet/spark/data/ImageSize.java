package dev.magnet.spark.data;

import dev.magnet.core.data.ImagePreprocessing;

/**
 * The size images are brought to, as {@code --image-size} spells it: {@code H} (square) or
 * {@code HxW}.
 *
 * @param height rows
 * @param width columns
 */
public record ImageSize(int height, int width) {
  public ImageSize {
    if (height < 1 || width < 1 || height > ImagePreprocessing.MAX_SIDE
        || width > ImagePreprocessing.MAX_SIDE) {
      throw new IllegalArgumentException("image size must be positive and at most "
          + ImagePreprocessing.MAX_SIDE + " on each side; size=" + height + "x" + width);
    }
  }

  /** Parses {@code H} or {@code HxW}; {@link IllegalArgumentException} naming the value. */
  public static ImageSize parse(String text) {
    String[] parts = text.split("x", -1);
    try {
      if (parts.length == 1) {
        int side = Integer.parseInt(parts[0]);
        return new ImageSize(side, side);
      }
      if (parts.length == 2) {
        return new ImageSize(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new IllegalArgumentException("image size must be H or HxW in pixels, e.g. 64 or 96x128; size=" + text);
  }

  /** {@code H} when square, else {@code HxW}: what {@link #parse} reads back. */
  @Override
  public String toString() {
    return height == width ? Integer.toString(height) : height + "x" + width;
  }
}
