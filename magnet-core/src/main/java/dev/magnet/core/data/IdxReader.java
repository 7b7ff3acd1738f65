package dev.magnet.core.data;

import dev.magnet.core.matrix.Matrices;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: unsigned-byte images (magic
 * {@code 0x00000803}, dimensions {@code [n, rows, cols]}) and unsigned-byte labels (magic
 * {@code 0x00000801}, dimension {@code [n]}), gzip-compressed or plain. Compression is detected
 * from the gzip magic bytes {@code 1f 8b}, not from the file name.
 *
 * <p>Every read takes a {@code limit}: only the first {@code min(limit, n)} examples are read,
 * which keeps quick runs quick. Pass {@link #ALL} for the whole file.
 */
public final class IdxReader {
  /** Limit that reads every example in the file. */
  public static final int ALL = Integer.MAX_VALUE;

  /** Magic number of an unsigned-byte IDX file with three dimensions (images). */
  static final int MAGIC_UBYTE_IMAGES = 0x00000803;
  /** Magic number of an unsigned-byte IDX file with one dimension (labels). */
  static final int MAGIC_UBYTE_LABELS = 0x00000801;
  /** The only IDX element type that MNIST-style data sets use. */
  private static final int TYPE_UBYTE = 0x08;
  /** The largest value of an unsigned byte: pixels are divided by it to land in [0, 1]. */
  private static final float PIXEL_SCALE = 255f;
  /** Big enough that decompression, not system calls, dominates reading. */
  private static final int BUFFER_BYTES = 1 << 16;
  /** The first two bytes of every gzip stream. */
  private static final int GZIP_MAGIC_0 = 0x1f;
  private static final int GZIP_MAGIC_1 = 0x8b;
  /** The first allocation of a read; each further one doubles it, up to what the header claims. */
  private static final int FIRST_CHUNK_BYTES = 1 << 20;
  /** Java arrays stop a few elements short of Integer.MAX_VALUE. */
  private static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8L;

  private IdxReader() {}

  /** Reads every image of {@code file}; see {@link #readImages(Path, int)}. */
  public static INDArray readImages(Path file) throws IOException {
    return readImages(file, ALL);
  }

  /**
   * Reads the first {@code min(limit, n)} images of an unsigned-byte image file.
   *
   * @return float pixels scaled to [0, 1], shape {@code [k, 1, rows, cols]}
   */
  public static INDArray readImages(Path file, int limit) throws IOException {
    try (InputStream in = open(file)) {
      return readImages(in, file.toString(), limit);
    }
  }

  /**
   * Reads images from a stream; {@code source} names it in error messages. The stream is left
   * open, positioned anywhere after the data read (the reader buffers ahead).
   *
   * @return float pixels scaled to [0, 1], shape {@code [k, 1, rows, cols]}
   */
  public static INDArray readImages(InputStream in, String source, int limit) throws IOException {
    InputStream data = decompressed(in);
    int[] dims = readHeader(data, source, MAGIC_UBYTE_IMAGES);
    return readPixels(data, source, dims, limit);
  }

  /** Reads every label of {@code file}; see {@link #readLabels(Path, int)}. */
  public static int[] readLabels(Path file) throws IOException {
    return readLabels(file, ALL);
  }

  /** Reads the first {@code min(limit, n)} labels of an unsigned-byte label file. */
  public static int[] readLabels(Path file, int limit) throws IOException {
    try (InputStream in = open(file)) {
      return readLabels(in, file.toString(), limit);
    }
  }

  /**
   * Reads labels from a stream; {@code source} names it in error messages. The stream is left
   * open, positioned anywhere after the data read (the reader buffers ahead).
   */
  public static int[] readLabels(InputStream in, String source, int limit) throws IOException {
    InputStream data = decompressed(in);
    int[] dims = readHeader(data, source, MAGIC_UBYTE_LABELS);
    return readLabelValues(data, source, dims, limit);
  }

  /** Reads every example of an image file and its label file; see the overload with a limit. */
  public static LabelledDataset readDataset(Path images, Path labels, List<String> labelNames)
      throws IOException {
    return readDataset(images, labels, labelNames, ALL);
  }

  /**
   * Reads the first {@code min(limit, n)} examples of an image file and its label file.
   *
   * @throws IllegalArgumentException if the two files hold different numbers of examples, or a
   *     label is not below {@code labelNames.size()}
   */
  public static LabelledDataset readDataset(
      Path images, Path labels, List<String> labelNames, int limit) throws IOException {
    return readDataset(images, labels, labelNames, limit, "IDX");
  }

  /** As the public overload; {@code name} starts the data set's description. */
  static LabelledDataset readDataset(
      Path images, Path labels, List<String> labelNames, int limit, String name)
      throws IOException {
    Objects.requireNonNull(labelNames, "labelNames");
    int[] labelDims;
    int[] labelValues;
    try (InputStream in = open(labels)) {
      InputStream data = decompressed(in);
      labelDims = readHeader(data, labels.toString(), MAGIC_UBYTE_LABELS);
      labelValues = readLabelValues(data, labels.toString(), labelDims, limit);
    }
    try (InputStream in = open(images)) {
      InputStream data = decompressed(in);
      int[] imageDims = readHeader(data, images.toString(), MAGIC_UBYTE_IMAGES);
      if (imageDims[0] != labelDims[0]) {
        throw new IllegalArgumentException(
            "image and label files differ in count: " + imageDims[0] + "!=" + labelDims[0]
                + "; images=" + images + " labels=" + labels);
      }
      INDArray pixels = readPixels(data, images.toString(), imageDims, limit);
      String extent = labelValues.length < labelDims[0]
          ? " (first " + labelValues.length + " of " + labelDims[0] + ")"
          : "";
      return new LabelledDataset(
          pixels, labelValues, labelNames, null,
          name + " images=" + images + " labels=" + labels + extent);
    }
  }

  private static InputStream open(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    if (!Files.isRegularFile(file)) {
      throw new FileNotFoundException("IDX file not found: " + file.toAbsolutePath());
    }
    return Files.newInputStream(file);
  }

  private static InputStream decompressed(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    BufferedInputStream buffered = new BufferedInputStream(in, BUFFER_BYTES);
    buffered.mark(2);
    int b0 = buffered.read();
    int b1 = buffered.read();
    buffered.reset();
    if (b0 == GZIP_MAGIC_0 && b1 == GZIP_MAGIC_1) {
      return new BufferedInputStream(new GZIPInputStream(buffered, BUFFER_BYTES), BUFFER_BYTES);
    }
    return buffered;
  }

  /** Reads and checks the magic number, then returns the dimension sizes. */
  private static int[] readHeader(InputStream in, String source, int expectedMagic)
      throws IOException {
    int rank = expectedMagic & 0xFF;
    long headerBytes = 4L + 4L * rank;
    byte[] header = new byte[(int) headerBytes];
    readFully(in, header, 0, 4, source, 0, headerBytes);
    int magic = intAt(header, 0);
    int type = (magic >>> 8) & 0xFF;
    if ((magic >>> 16) == 0 && type != TYPE_UBYTE) {
      throw new IllegalArgumentException(
          "unsupported IDX data type in " + source + ": " + hexByte(type) + " (" + typeName(type)
              + "); only " + hexByte(TYPE_UBYTE) + " (unsigned byte) is supported");
    }
    if (magic != expectedMagic) {
      throw new IllegalArgumentException(
          "wrong IDX magic number in " + source + ": expected " + hexInt(expectedMagic)
              + ", actual " + hexInt(magic));
    }
    readFully(in, header, 4, header.length - 4, source, 4, headerBytes);
    int[] dims = new int[rank];
    for (int d = 0; d < rank; d++) {
      dims[d] = intAt(header, 4 + 4 * d);
      if (dims[d] < 1) {
        throw new IllegalArgumentException(
            "IDX dimension sizes must be positive in " + source + "; dimension " + d + "="
                + dims[d]);
      }
    }
    return dims;
  }

  private static INDArray readPixels(InputStream in, String source, int[] dims, int limit)
      throws IOException {
    int count = limitedCount(dims[0], limit);
    int rows = dims[1];
    int cols = dims[2];
    byte[] bytes = readData(in, source, (long) count * rows * cols, 16L);
    float[] pixels = new float[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      pixels[i] = (bytes[i] & 0xFF) / PIXEL_SCALE;
    }
    return Matrices.fromFloats(pixels, count, 1, rows, cols);
  }

  private static int[] readLabelValues(InputStream in, String source, int[] dims, int limit)
      throws IOException {
    byte[] bytes = readData(in, source, limitedCount(dims[0], limit), 8L);
    int[] labels = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      labels[i] = bytes[i] & 0xFF;
    }
    return labels;
  }

  private static int limitedCount(int count, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive; limit=" + limit);
    }
    return Math.min(count, limit);
  }

  /**
   * Reads {@code dataBytes} bytes, growing the array as the data arrives (from
   * {@link #FIRST_CHUNK_BYTES}, doubling): a header that claims more than the file holds costs no
   * more memory than the file, and ends as a truncated-file error.
   */
  private static byte[] readData(InputStream in, String source, long dataBytes, long headerBytes)
      throws IOException {
    if (dataBytes > MAX_ARRAY_BYTES) {
      throw new IllegalArgumentException(
          "IDX data too large for one array, read fewer examples with a limit; bytes="
              + dataBytes);
    }
    byte[] data = new byte[(int) Math.min(dataBytes, FIRST_CHUNK_BYTES)];
    int done = 0;
    while (done < dataBytes) {
      if (done == data.length) {
        data = Arrays.copyOf(data, (int) Math.min(dataBytes, 2L * data.length));
      }
      int chunk = data.length - done;
      readFully(in, data, done, chunk, source, headerBytes + done, headerBytes + dataBytes);
      done += chunk;
    }
    return data;
  }

  /**
   * Fills {@code buf[off, off+len)}; a stream that ends first is reported as a truncated file.
   * {@code position} is the offset of {@code buf[off]} in the decompressed file and
   * {@code expectedTotal} the file size this read needs, both for the message.
   */
  private static void readFully(
      InputStream in, byte[] buf, int off, int len, String source, long position,
      long expectedTotal) throws IOException {
    int done = 0;
    try {
      while (done < len) {
        int n = in.read(buf, off + done, len - done);
        if (n < 0) {
          break;
        }
        done += n;
      }
    } catch (EOFException e) {
      // A gzip stream cut short throws instead of returning -1: same defect, same message.
      throw truncated(source, expectedTotal, position + done, e);
    }
    if (done < len) {
      throw truncated(source, expectedTotal, position + done, null);
    }
  }

  private static EOFException truncated(
      String source, long expected, long actual, EOFException cause) {
    EOFException e = new EOFException(
        "truncated IDX file " + source + ": expected " + expected + " bytes, actual " + actual);
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  private static int intAt(byte[] b, int off) {
    return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16)
        | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
  }

  private static String hexInt(int value) {
    return String.format("0x%08X", value);
  }

  private static String hexByte(int value) {
    return String.format("0x%02X", value);
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0x08 -> "unsigned byte";
      case 0x09 -> "signed byte";
      case 0x0B -> "short";
      case 0x0C -> "int";
      case 0x0D -> "float";
      case 0x0E -> "double";
      default -> "unknown";
    };
  }
}
