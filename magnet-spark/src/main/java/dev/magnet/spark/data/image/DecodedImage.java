package dev.magnet.spark.data.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * A decoded image in the compact form that is cached and shipped: unsigned 8-bit channel planes
 * ({@code channels x height x width}, C order), one byte per value, four times smaller than the
 * floats a network takes. {@link #decodeInto} scales by 1/255 as training scales IDX pixels, so a
 * grey PNG of an IDX image gives that image's exact input.
 *
 * @param pixels {@code channels * height * width} bytes, channel planes in C order (not copied:
 *     images are many)
 */
public record DecodedImage(int channels, int height, int width, byte[] pixels) implements DecodeResult {
  /** The largest 8-bit value: pixels are divided by it to land in [0, 1]. */
  private static final float PIXEL_SCALE = 255f;

  public DecodedImage {
    Objects.requireNonNull(pixels, "pixels");
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException("channels, height and width must be positive; channels=" + channels
          + " height=" + height + " width=" + width);
    }
    if (pixels.length != (long) channels * height * width) {
      throw new IllegalArgumentException("pixels must hold channels*height*width bytes; pixels=" + pixels.length
          + " shape=" + channels + "x" + height + "x" + width);
    }
  }

  /** Values in the image: {@code channels * height * width}. */
  public int size() {
    return pixels.length;
  }

  /** Writes the values scaled to [0, 1] (value / 255) into {@code out} from {@code offset}. */
  public void decodeInto(float[] out, int offset) {
    for (int i = 0; i < pixels.length; i++) {
      out[offset + i] = (pixels[i] & 0xFF) / PIXEL_SCALE;
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DecodedImage d && channels == d.channels && height == d.height && width == d.width
        && Arrays.equals(pixels, d.pixels);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(pixels);
  }

  @Override
  public String toString() {
    return "DecodedImage[" + channels + "x" + height + "x" + width + "]";
  }
}
