package dev.magnet.core.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes unsigned-byte IDX image and label files that {@link IdxReader} reads back: pixels in
 * [0, 1] are stored as {@code round(255 * v)}, so values {@code k/255} round-trip exactly.
 */
public final class IdxWriter {
  /** Whether the written file is gzip-compressed. */
  public enum Compression {
    NONE,
    GZIP
  }

  /** The largest value an unsigned byte holds. */
  private static final int UBYTE_MAX = 255;

  private IdxWriter() {}

  /**
   * Writes images of shape {@code [n, 1, rows, cols]} or {@code [n, rows, cols]} with values in
   * [0, 1]; overwrites {@code file}.
   */
  public static void writeImages(Path file, INDArray images, Compression compression)
      throws IOException {
    Objects.requireNonNull(images, "images");
    long[] shape = images.shape();
    boolean singleChannel = shape.length == 4 && shape[1] == 1;
    if (shape.length != 3 && !singleChannel) {
      throw new IllegalArgumentException(
          "images must be [n, 1, rows, cols] or [n, rows, cols]; shape=" + Arrays.toString(shape));
    }
    int n = (int) shape[0];
    int rows = (int) shape[shape.length - 2];
    int cols = (int) shape[shape.length - 1];
    float[] values = images.ravel().toFloatVector();
    byte[] pixels = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      if (!(v >= 0f && v <= 1f)) {
        throw new IllegalArgumentException(
            "pixels must be in [0, 1]; example=" + i / (rows * cols) + " value=" + v);
      }
      pixels[i] = (byte) Math.round(v * UBYTE_MAX);
    }
    try (DataOutputStream out = open(file, compression)) {
      putImages(out, n, rows, cols, pixels);
    }
  }

  /** Writes labels in [0, 255]; overwrites {@code file}. */
  public static void writeLabels(Path file, int[] labels, Compression compression)
      throws IOException {
    byte[] bytes = labelBytes(labels);
    try (DataOutputStream out = open(file, compression)) {
      putLabels(out, bytes);
    }
  }

  /**
   * Writes {@code n} images of {@code rows x cols} unsigned bytes, given as they are stored (image
   * after image, row-major), to {@code stream}, uncompressed, and closes it: for pixels that are
   * bytes already (a subset of an IDX file), on any file system's stream.
   */
  public static void writeImages(OutputStream stream, int n, int rows, int cols, byte[] pixels) throws IOException {
    if ((long) n * rows * cols != pixels.length) {
      throw new IllegalArgumentException("pixels must be n * rows * cols bytes; n=" + n + " rows=" + rows + " cols="
          + cols + " bytes=" + pixels.length);
    }
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream))) {
      putImages(out, n, rows, cols, pixels);
    }
  }

  /** Writes labels in [0, 255] to {@code stream}, uncompressed, and closes it. */
  public static void writeLabels(OutputStream stream, int[] labels) throws IOException {
    byte[] bytes = labelBytes(labels);
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream))) {
      putLabels(out, bytes);
    }
  }

  /** An image file: its magic number, the counts, then the pixels. */
  private static void putImages(DataOutputStream out, int n, int rows, int cols, byte[] pixels) throws IOException {
    out.writeInt(IdxReader.MAGIC_UBYTE_IMAGES);
    out.writeInt(n);
    out.writeInt(rows);
    out.writeInt(cols);
    out.write(pixels);
  }

  /** A label file: its magic number, the count, then the labels. */
  private static void putLabels(DataOutputStream out, byte[] labels) throws IOException {
    out.writeInt(IdxReader.MAGIC_UBYTE_LABELS);
    out.writeInt(labels.length);
    out.write(labels);
  }

  private static byte[] labelBytes(int[] labels) {
    Objects.requireNonNull(labels, "labels");
    byte[] bytes = new byte[labels.length];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] > UBYTE_MAX) {
        throw new IllegalArgumentException(
            "labels must be in [0, " + UBYTE_MAX + "]; labels[" + i + "]=" + labels[i]);
      }
      bytes[i] = (byte) labels[i];
    }
    return bytes;
  }

  private static DataOutputStream open(Path file, Compression compression) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(compression, "compression");
    OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file));
    if (compression == Compression.NONE) {
      return new DataOutputStream(raw);
    }
    try {
      return new DataOutputStream(new GZIPOutputStream(raw));
    } catch (IOException e) {
      raw.close();
      throw e;
    }
  }
}
