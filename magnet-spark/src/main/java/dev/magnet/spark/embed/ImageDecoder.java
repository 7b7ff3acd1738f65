package dev.magnet.spark.embed;

import dev.magnet.core.nn.InputShape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes an image file's bytes into the unsigned-byte pixels a model takes: channel planes
 * ({@code c x h x w}, C order) of the model's {@link InputShape}, each value the 8-bit intensity
 * that {@link dev.magnet.spark.data.Example}'s UINT8 decoding scales by 1/255, exactly as IDX
 * pixels are scaled in training. A grey PNG of an IDX image therefore decodes to that image's
 * bytes.
 *
 * <ul>
 *   <li>Formats: whatever javax.imageio reads (JPEG, PNG, BMP, GIF, WBMP). The reader is chosen
 *       from the bytes, not the file name.
 *   <li>Channels: a grey image's samples are used as stored (no colour-space conversion; 16-bit
 *       samples scaled to 8 bits); any other image is read as sRGB. A 1-channel model gets the
 *       luminance {@code (299 R + 587 G + 114 B) / 1000} (ITU-R BT.601, rounded; exact for
 *       R = G = B), a 3-channel model R, G, B planes (a grey image repeated). Transparency is
 *       dropped: colour values are used as stored.
 *   <li>Size: each plane is resized to the model's height x width with Java2D's bilinear
 *       interpolation; a reduction by more than 2 goes by successive halvings first (each an
 *       exact 2x2 average), so that large reductions average every pixel rather than sample a
 *       few (the multi-step technique of Java2D's own guidance, also used by imgscalr).
 *   <li>Failures are results, not exceptions: empty files, unknown formats, decoding errors and
 *       decoder warnings (a truncated JPEG decodes with a "premature end" warning) are
 *       {@link Rejected} with a reason, so that one bad file never fails a Spark task.
 * </ul>
 *
 * <p>Hand-written rather than DataVec's {@code NativeImageLoader}: that needs the OpenCV natives
 * of every platform (hundreds of MB, excluded from this build), and this is the whole job.
 */
public final class ImageDecoder {
  /** Larger images are refused unread: 100 megapixels of RGB is 300 MB of pixels per task. */
  public static final long MAX_PIXELS = 100_000_000L;
  /** The largest 8-bit value. */
  private static final int MAX_8BIT = 255;
  /** BT.601 luminance weights in thousandths; they sum to 1000, so grey stays grey. */
  private static final int LUMA_R = 299;
  private static final int LUMA_G = 587;
  private static final int LUMA_B = 114;
  private static final int LUMA_SCALE = 1000;

  private ImageDecoder() {}

  /** The outcome of decoding one file. */
  public sealed interface Result permits Pixels, Rejected {}

  /**
   * The decoded pixels.
   *
   * @param values {@code c * h * w} unsigned bytes, channel planes in C order
   */
  public record Pixels(byte[] values) implements Result {
    public Pixels {
      Objects.requireNonNull(values, "values");
    }
  }

  /**
   * A file that could not be used.
   *
   * @param reason the kind of failure
   * @param detail what the decoder said, for the rejects table
   */
  public record Rejected(RejectReason reason, String detail) implements Result {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * Checks that images can be converted to {@code shape}.
   *
   * @throws IllegalArgumentException unless it is an image shape of 1 or 3 channels
   */
  public static void checkShape(InputShape shape) {
    Objects.requireNonNull(shape, "shape");
    if (shape.kind() != InputShape.Kind.IMAGE || (shape.channels() != 1 && shape.channels() != 3)) {
      throw new IllegalArgumentException("images need a model of image inputs with 1 or 3 channels; model input="
          + shape);
    }
  }

  /** Decodes {@code bytes} into pixels of {@code shape}; see the class comment. */
  public static Result decode(byte[] bytes, InputShape shape) {
    checkShape(shape);
    if (bytes == null || bytes.length == 0) {
      return new Rejected(RejectReason.EMPTY, "the file is empty");
    }
    BufferedImage image;
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return new Rejected(RejectReason.UNKNOWN_FORMAT, "no image reader recognises the bytes ("
            + bytes.length + " bytes)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > MAX_PIXELS) {
          return new Rejected(RejectReason.TOO_LARGE, reader.getWidth(0) + "x" + reader.getHeight(0)
              + " pixels is more than " + MAX_PIXELS);
        }
        image = reader.read(0);
        if (!warnings.isEmpty()) {
          return new Rejected(RejectReason.CORRUPT, reader.getFormatName() + ": " + String.join("; ", warnings));
        }
      } catch (IOException | RuntimeException e) {
        return new Rejected(RejectReason.CORRUPT, describe(reader, e));
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      return new Rejected(RejectReason.CORRUPT, describe(null, e));
    }
    return new Pixels(convert(image, shape));
  }

  private static String describe(ImageReader reader, Exception e) {
    String format;
    try {
      format = reader == null ? "image" : reader.getFormatName();
    } catch (IOException formatUnknown) {
      format = "image";
    }
    StringBuilder detail = new StringBuilder(format).append(": ").append(message(e));
    for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      detail.append(" (").append(message(cause)).append(')');
    }
    return detail.toString();
  }

  private static String message(Throwable e) {
    return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** The image as channel planes of the shape's size. */
  static byte[] convert(BufferedImage image, InputShape shape) {
    byte[][] planes = planes(image, shape.channels());
    int w = image.getWidth();
    int h = image.getHeight();
    int size = shape.height() * shape.width();
    byte[] out = new byte[shape.channels() * size];
    for (int c = 0; c < planes.length; c++) {
      byte[] plane = w == shape.width() && h == shape.height() ? planes[c]
          : resize(planes[c], w, h, shape.width(), shape.height());
      System.arraycopy(plane, 0, out, c * size, size);
    }
    return out;
  }

  /** The image's channels at its own size: one grey plane, or R, G and B planes. */
  private static byte[][] planes(BufferedImage image, int channels) {
    int w = image.getWidth();
    int h = image.getHeight();
    if (isGrey(image)) {
      Raster raster = image.getRaster();
      int bits = image.getColorModel().getComponentSize(0);
      int max = (1 << bits) - 1;
      byte[] grey = new byte[w * h];
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          grey[y * w + x] = (byte) (bits == 8 ? row[x] : Math.round(row[x] * (double) MAX_8BIT / max));
        }
      }
      byte[][] planes = new byte[channels][];
      for (int c = 0; c < channels; c++) {
        planes[c] = grey;
      }
      return planes;
    }
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    if (channels == 1) {
      byte[] luma = new byte[w * h];
      for (int i = 0; i < argb.length; i++) {
        int r = (argb[i] >> 16) & 0xFF;
        int g = (argb[i] >> 8) & 0xFF;
        int b = argb[i] & 0xFF;
        luma[i] = (byte) ((LUMA_R * r + LUMA_G * g + LUMA_B * b + LUMA_SCALE / 2) / LUMA_SCALE);
      }
      return new byte[][] {luma};
    }
    byte[][] rgb = new byte[3][w * h];
    for (int i = 0; i < argb.length; i++) {
      rgb[0][i] = (byte) (argb[i] >> 16);
      rgb[1][i] = (byte) (argb[i] >> 8);
      rgb[2][i] = (byte) argb[i];
    }
    return rgb;
  }

  /** Whether the image stores grey samples (with or without alpha), which are read as they are. */
  private static boolean isGrey(BufferedImage image) {
    ColorModel model = image.getColorModel();
    return !(model instanceof IndexColorModel) && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
  }

  /** One 8-bit plane resized with bilinear interpolation, halving first while more than 2x too large. */
  static byte[] resize(byte[] plane, int width, int height, int targetWidth, int targetHeight) {
    BufferedImage current = grey(plane, width, height);
    int w = width;
    int h = height;
    while (w > 2 * targetWidth || h > 2 * targetHeight) {
      w = w > 2 * targetWidth ? (w + 1) / 2 : w;
      h = h > 2 * targetHeight ? (h + 1) / 2 : h;
      current = scaled(current, w, h);
    }
    BufferedImage result = scaled(current, targetWidth, targetHeight);
    byte[] out = new byte[targetWidth * targetHeight];
    result.getRaster().getDataElements(0, 0, targetWidth, targetHeight, out);
    return out;
  }

  private static BufferedImage grey(byte[] plane, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, width, height, plane);
    return image;
  }

  /** Grey to grey: Java2D's ByteGray loops copy samples without colour-space conversion. */
  private static BufferedImage scaled(BufferedImage source, int width, int height) {
    BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = target.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(source, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return target;
  }
}
