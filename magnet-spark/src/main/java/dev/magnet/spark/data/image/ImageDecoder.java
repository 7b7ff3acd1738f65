package dev.magnet.spark.data.image;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.nn.InputShape;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes an image file's bytes into the unsigned-byte pixels a model takes ({@link DecodedImage}):
 * channel planes of the model's input, as its {@link ImagePreprocessing} says, each value the 8-bit
 * intensity that training scales by 1/255, exactly as IDX pixels. A grey PNG of an IDX image
 * decodes to that image's bytes. The one decoder of the project: {@code embed}, training and
 * evaluation from image files and tables of encoded images, and the Spark ML model all call it;
 * pixels already decoded (Spark's {@code image} source) go through the same conversion and resize
 * ({@link #fromInterleaved}).
 *
 * <ul>
 *   <li>Formats: PNG, JPEG, GIF and BMP, recognised from their first bytes (not the file name) and
 *       read by the JDK's ImageIO readers, one cached per thread and format; anything else goes to
 *       whatever reader ImageIO finds (WBMP). JPEGs in CMYK or YCCK, which the JDK's reader
 *       refuses, are read by TwelveMonkeys' reader, which converts them to RGB.
 *   <li>Colour: grey (1, 2, 4, 8 or 16 bits, with or without alpha), RGB and RGBA (8 or 16 bits),
 *       palette and CMYK images are all converted, none refused. Grey samples are used as stored
 *       (16 bits scaled to 8); 8-bit sRGB samples are read straight from the raster; anything else
 *       goes through its colour model to sRGB. A 1-channel model gets the luminance
 *       {@code (299 R + 587 G + 114 B) / 1000} (ITU-R BT.601, rounded; exact for R = G = B), a
 *       3-channel model R, G, B planes (a grey image repeated). Alpha is dropped: colour values are
 *       used as stored.
 *   <li>Size: each plane is resized to the model's height x width with Java2D's bilinear
 *       interpolation; a reduction by more than 2 goes by successive halvings first (each an exact
 *       2x2 average), so that large reductions average every pixel rather than sample a few (the
 *       multi-step technique of Java2D's own guidance, also used by imgscalr).
 *   <li>Memory: the pixel count is read from the header and checked against {@link #MAX_PIXELS}
 *       before any pixel is decoded. A side longer than {@link #MAX_DECODED_SIDE} is decoded with
 *       ImageIO's source subsampling ({@link #subsampling}): every k-th pixel along it, k the
 *       smallest period that brings it to that length (but never under twice the model's size), so
 *       a decoded image holds at most 2048 x 2048 pixels (16 MB as ARGB) whatever the file holds,
 *       and the halvings that follow still average many of the pixels kept. Below that size nothing
 *       is skipped: subsampling drops pixels without averaging them, and would alias fine patterns
 *       (a checkerboard sampled every other pixel is one colour), so it is kept for the images
 *       whose full decode would cost hundreds of MB (up to 400 MB as ARGB for 100 megapixels).
 *   <li>Failures are results, not exceptions: empty files, unknown formats, decoding errors and
 *       decoder warnings (a truncated JPEG decodes with a "premature end" warning) are
 *       {@link DecodeResult.Rejected} with a reason, so that one bad file never fails a Spark task.
 * </ul>
 *
 * <p>Hand-written rather than DataVec's {@code NativeImageLoader}: that needs the OpenCV natives
 * of every platform (hundreds of MB, excluded from this build), and this is the whole job.
 * Thread-safe: the cached readers are per thread.
 */
public final class ImageDecoder {
  /** Larger images are refused unread: 100 megapixels of RGB is 300 MB of pixels per task. */
  public static final long MAX_PIXELS = 100_000_000L;
  /** The longest side decoded in full; longer ones are subsampled to it: at most 4 megapixels held per decode. */
  public static final int MAX_DECODED_SIDE = 2048;
  /** Subsampling keeps at least this many times the model's size on each axis, for the halvings to average. */
  static final int SUBSAMPLING_MARGIN = 2;
  /** The largest 8-bit value. */
  private static final int MAX_8BIT = 255;
  /** BT.601 luminance weights in thousandths; they sum to 1000, so grey stays grey. */
  private static final int LUMA_R = 299;
  private static final int LUMA_G = 587;
  private static final int LUMA_B = 114;
  private static final int LUMA_SCALE = 1000;
  /** What the JDK's JPEG reader says of CMYK and YCCK files. */
  private static final String UNSUPPORTED_JPEG = "Unsupported Image Type";

  private static final ThreadLocal<Readers> READERS = ThreadLocal.withInitial(Readers::new);

  private ImageDecoder() {}

  /** The formats recognised from their first bytes. */
  enum Format {
    PNG("png", "com.sun."),
    JPEG("jpeg", "com.sun."),
    /** CMYK/YCCK JPEGs: the same files, TwelveMonkeys' reader. */
    JPEG_CMYK("jpeg", "com.twelvemonkeys."),
    GIF("gif", "com.sun."),
    BMP("bmp", "com.sun.");

    private final String formatName;
    private final String readerPackage;

    Format(String formatName, String readerPackage) {
      this.formatName = formatName;
      this.readerPackage = readerPackage;
    }

    /** The format of {@code bytes} by its signature, or null. */
    static Format sniff(byte[] b) {
      if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
        return PNG;
      }
      if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
        return JPEG;
      }
      if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
        return GIF;
      }
      if (b.length >= 14 && b[0] == 'B' && b[1] == 'M') {
        return BMP;
      }
      return null;
    }

    /** A new reader of this format from the named provider, or null when it is not installed. */
    ImageReader newReader() {
      for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(formatName); it.hasNext();) {
        ImageReader reader = it.next();
        if (reader.getOriginatingProvider().getClass().getName().startsWith(readerPackage)) {
          return reader;
        }
      }
      return null;
    }
  }

  /** This thread's readers, one per format, and the warnings of the current read. */
  private static final class Readers {
    final Map<Format, ImageReader> cached = new EnumMap<>(Format.class);
    final List<String> warnings = new ArrayList<>();

    ImageReader get(Format format) {
      ImageReader reader = cached.get(format);
      if (reader == null) {
        reader = format.newReader();
        if (reader != null) {
          reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
          cached.put(format, reader);
        }
      }
      return reader;
    }

    /** Drops a reader after a failure: its state is unknown, the next file gets a fresh one. */
    void discard(Format format) {
      ImageReader reader = cached.remove(format);
      if (reader != null) {
        reader.dispose();
      }
    }
  }

  /**
   * The preprocessing of a model that takes images: its own.
   *
   * @param preprocessing the model's, or null when it records none (a model of vectors)
   * @param input the model's input, named in the error
   * @throws IllegalArgumentException when the model takes no images (vectors, or images of other
   *     than 1 or 3 channels)
   */
  public static ImagePreprocessing checkModel(ImagePreprocessing preprocessing, InputShape input) {
    if (preprocessing == null) {
      throw new IllegalArgumentException("images need a model of image inputs with 1 or 3 channels; model input="
          + input);
    }
    return preprocessing;
  }

  /** Decodes {@code bytes} into pixels of the shape {@code preprocessing} gives; see the class comment. */
  public static DecodeResult decode(byte[] bytes, ImagePreprocessing preprocessing) {
    Objects.requireNonNull(preprocessing, "preprocessing");
    InputShape shape = preprocessing.shape();
    if (bytes == null || bytes.length == 0) {
      return new DecodeResult.Rejected(RejectReason.EMPTY, "the file is empty");
    }
    Format format = Format.sniff(bytes);
    BufferedImage image;
    try {
      image = format == null ? readUnknown(bytes, shape) : read(bytes, format, shape);
    } catch (Failure f) {
      return f.rejected;
    }
    return new DecodedImage(shape.channels(), shape.height(), shape.width(), convert(image, shape));
  }

  /**
   * Pixels decoded elsewhere, as Spark's {@code image} source holds them (8-bit, row-major,
   * channels interleaved: grey, BGR or BGRA, OpenCV's order), converted and resized as a file
   * would be: the same colour rule and resize, so a PNG file and its row in an image table give the
   * same pixels.
   *
   * @param data {@code height * width * channels} bytes
   * @param channels 1 (grey), 3 (BGR) or 4 (BGRA; alpha dropped)
   * @throws IllegalArgumentException naming the shape when the bytes do not hold it
   */
  public static DecodedImage fromInterleaved(byte[] data, int height, int width, int channels,
      ImagePreprocessing preprocessing) {
    Objects.requireNonNull(preprocessing, "preprocessing");
    if (channels != 1 && channels != 3 && channels != 4 || height < 1 || width < 1) {
      throw new IllegalArgumentException("decoded images have 1, 3 or 4 channels and positive sides; channels="
          + channels + " height=" + height + " width=" + width);
    }
    if (data == null || data.length != (long) height * width * channels) {
      throw new IllegalArgumentException("decoded images hold height*width*channels bytes; "
          + (data == null ? "no data" : data.length + " bytes") + " for " + height + "x" + width + "x" + channels);
    }
    int n = height * width;
    byte[][] planes;
    if (channels == 1) {
      planes = new byte[preprocessing.channels()][];
      java.util.Arrays.fill(planes, data);
    } else {
      byte[][] rgb = new byte[3][n];
      for (int i = 0; i < n; i++) {
        rgb[0][i] = data[i * channels + 2];
        rgb[1][i] = data[i * channels + 1];
        rgb[2][i] = data[i * channels];
      }
      planes = preprocessing.channels() == 3 ? rgb : new byte[][] {luma(rgb[0], rgb[1], rgb[2])};
    }
    InputShape shape = preprocessing.shape();
    return new DecodedImage(shape.channels(), shape.height(), shape.width(), fit(planes, width, height, shape));
  }

  /**
   * The size and colour of an image file read from its header, without its pixels: what a run that
   * is given no image size or channel count infers them from.
   *
   * @param colour whether the image has colour (else grey, with or without alpha)
   */
  public record Header(int width, int height, boolean colour) implements java.io.Serializable {}

  /** The header of {@code bytes}, or null when they are no image a reader takes. */
  public static Header header(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    Format format = Format.sniff(bytes);
    ImageReader reader = format == null ? null : format.newReader();
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      if (reader == null) {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
          return null;
        }
        reader = readers.next();
      }
      reader.setInput(in, true, true);
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      boolean colour = true;
      try {
        Iterator<javax.imageio.ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (types.hasNext()) {
          ColorModel model = types.next().getColorModel();
          colour = !(model instanceof ComponentColorModel && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY);
        }
      } catch (IOException | RuntimeException unsupported) {
        colour = true; // CMYK JPEGs, which the JDK's reader cannot type: colour
      }
      return new Header(width, height, colour);
    } catch (IOException | RuntimeException e) {
      return null;
    } finally {
      if (reader != null) {
        reader.dispose();
      }
    }
  }

  /** A rejection on its way out of the reading code. */
  private static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final transient DecodeResult.Rejected rejected;

    Failure(RejectReason reason, String detail) {
      super(detail, null, false, false);
      this.rejected = new DecodeResult.Rejected(reason, detail);
    }
  }

  private static BufferedImage read(byte[] bytes, Format format, InputShape shape) throws Failure {
    Readers readers = READERS.get();
    ImageReader reader = readers.get(format);
    if (reader == null) {
      return readUnknown(bytes, shape);
    }
    try {
      return read(reader, bytes, shape, readers.warnings);
    } catch (Failure f) {
      readers.discard(format);
      if (format == Format.JPEG && f.getMessage().contains(UNSUPPORTED_JPEG) && Format.JPEG_CMYK.newReader() != null) {
        return read(bytes, Format.JPEG_CMYK, shape);
      }
      throw f;
    }
  }

  /** Formats without a signature here: whatever reader ImageIO finds, used once. */
  private static BufferedImage readUnknown(byte[] bytes, InputShape shape) throws Failure {
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new Failure(RejectReason.UNKNOWN_FORMAT, "no image reader recognises the bytes (" + bytes.length
            + " bytes)");
      }
      ImageReader reader = readers.next();
      try {
        reader.addIIOReadWarningListener((source, warning) -> { });
        return read(reader, bytes, shape, new ArrayList<>());
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new Failure(RejectReason.CORRUPT, describe(null, e));
    }
  }

  /** Reads the first image with {@code reader}: header and pixel limit, then the pixels, subsampled if large. */
  private static BufferedImage read(ImageReader reader, byte[] bytes, InputShape shape, List<String> warnings)
      throws Failure {
    warnings.clear();
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      reader.setInput(in, true, true);
      int width = reader.getWidth(0);
      int height = reader.getHeight(0);
      if ((long) width * height > MAX_PIXELS) {
        throw new Failure(RejectReason.TOO_LARGE, width + "x" + height + " pixels is more than " + MAX_PIXELS);
      }
      ImageReadParam param = reader.getDefaultReadParam();
      int periodX = subsampling(width, shape.width());
      int periodY = subsampling(height, shape.height());
      if (periodX > 1 || periodY > 1) {
        param.setSourceSubsampling(periodX, periodY, 0, 0);
      }
      BufferedImage image = reader.read(0, param);
      if (!warnings.isEmpty()) {
        throw new Failure(RejectReason.CORRUPT, reader.getFormatName() + ": " + String.join("; ", warnings));
      }
      return image;
    } catch (IOException | RuntimeException e) {
      throw new Failure(RejectReason.CORRUPT, describe(reader, e));
    } finally {
      reader.setInput(null);
    }
  }

  /**
   * The source subsampling period along an axis of {@code size} pixels for a model {@code target}
   * pixels wide: 1 up to {@link #MAX_DECODED_SIDE}, else the smallest k that keeps at most that many
   * pixels ({@code ceil(size / k) <= MAX_DECODED_SIDE}), but never one that keeps fewer than
   * {@code 2 * target}.
   */
  static int subsampling(int size, int target) {
    if (size <= MAX_DECODED_SIDE) {
      return 1;
    }
    int toSide = (size + MAX_DECODED_SIDE - 1) / MAX_DECODED_SIDE;
    int keepMargin = Math.max(1, size / (SUBSAMPLING_MARGIN * target));
    return Math.min(toSide, keepMargin);
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
    if (e instanceof IIOException && e.getMessage() == null) {
      return e.getClass().getSimpleName();
    }
    return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
  }

  /** The image as channel planes of the shape's size. */
  static byte[] convert(BufferedImage image, InputShape shape) {
    return fit(planes(image, shape.channels()), image.getWidth(), image.getHeight(), shape);
  }

  /** Planes of {@code w x h} (as many as the shape's channels) resized to the shape, in one array. */
  private static byte[] fit(byte[][] planes, int w, int h, InputShape shape) {
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
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    boolean component = model instanceof ComponentColorModel;
    int colourBands = model.getNumColorComponents();
    int bits = model.getComponentSize(0);
    if (component && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
      byte[] grey = band(raster, 0, bits, w, h);
      byte[][] planes = new byte[channels][];
      java.util.Arrays.fill(planes, grey);
      return planes;
    }
    if (component && model.getColorSpace().isCS_sRGB() && colourBands == 3
        && raster.getTransferType() == DataBuffer.TYPE_BYTE) {
      byte[][] rgb = {band(raster, 0, bits, w, h), band(raster, 1, bits, w, h), band(raster, 2, bits, w, h)};
      return channels == 3 ? rgb : new byte[][] {luma(rgb[0], rgb[1], rgb[2])};
    }
    // Palette, packed, 16-bit, CMYK and other colour spaces: through the colour model to sRGB.
    int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
    byte[][] rgb = new byte[3][w * h];
    for (int i = 0; i < argb.length; i++) {
      rgb[0][i] = (byte) (argb[i] >> 16);
      rgb[1][i] = (byte) (argb[i] >> 8);
      rgb[2][i] = (byte) argb[i];
    }
    return channels == 3 ? rgb : new byte[][] {luma(rgb[0], rgb[1], rgb[2])};
  }

  /** One band's samples as 8 bits (samples of other depths scaled, rounded). */
  private static byte[] band(Raster raster, int band, int bits, int w, int h) {
    int[] samples = raster.getSamples(0, 0, w, h, band, (int[]) null);
    byte[] out = new byte[w * h];
    if (bits == 8) {
      for (int i = 0; i < out.length; i++) {
        out[i] = (byte) samples[i];
      }
    } else {
      double scale = (double) MAX_8BIT / ((1L << bits) - 1);
      for (int i = 0; i < out.length; i++) {
        out[i] = (byte) Math.round(samples[i] * scale);
      }
    }
    return out;
  }

  private static byte[] luma(byte[] r, byte[] g, byte[] b) {
    byte[] out = new byte[r.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) ((LUMA_R * (r[i] & 0xFF) + LUMA_G * (g[i] & 0xFF) + LUMA_B * (b[i] & 0xFF) + LUMA_SCALE / 2)
          / LUMA_SCALE);
    }
    return out;
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
