package dev.magnet.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.IdxWriter.Compression;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class IdxReaderTest {
  private static final List<String> NAMES = List.of("zero", "one", "two");
  private static final int[] LABELS = {2, 0, 1};
  /** Three 4x5 images; header 16 bytes + 60 pixel bytes. */
  private static final long IMAGE_FILE_BYTES = 16 + 3 * 4 * 5;

  @TempDir Path dir;

  /** Pixels k/255 for k = 0, 7, 14, ...: exactly representable in an IDX file. */
  private static INDArray images() {
    float[] values = new float[3 * 4 * 5];
    for (int i = 0; i < values.length; i++) {
      values[i] = (7 * i % 256) / 255f;
    }
    return Nd4j.create(values, new long[] {3, 1, 4, 5}, DataType.FLOAT);
  }

  private Path writeImages(String name, Compression compression) throws IOException {
    Path file = dir.resolve(name);
    IdxWriter.writeImages(file, images(), compression);
    return file;
  }

  private Path writeLabels(String name, int[] labels, Compression compression)
      throws IOException {
    Path file = dir.resolve(name);
    IdxWriter.writeLabels(file, labels, compression);
    return file;
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void roundTripsImagesAndLabels(Compression compression) throws IOException {
    Path images = writeImages("images", compression);
    Path labels = writeLabels("labels", LABELS, compression);
    assertEquals(images(), IdxReader.readImages(images));
    assertArrayEquals(LABELS, IdxReader.readLabels(labels));

    LabelledDataset data = IdxReader.readDataset(images, labels, NAMES);
    assertEquals(images(), data.features());
    assertArrayEquals(LABELS, data.labels());
    assertEquals(NAMES, data.labelNames());
    assertEquals("IDX images=" + images + " labels=" + labels, data.description());
  }

  @Test
  void detectsGzipByContentNotByName() throws IOException {
    Path gzipWithoutSuffix = writeImages("images.idx", Compression.GZIP);
    Path plainWithSuffix = writeImages("images.gz", Compression.NONE);
    assertEquals(0x1f, Files.readAllBytes(gzipWithoutSuffix)[0] & 0xFF);
    assertEquals(images(), IdxReader.readImages(gzipWithoutSuffix));
    assertEquals(images(), IdxReader.readImages(plainWithSuffix));
  }

  @Test
  void readsFromAStreamAndLeavesItOpen() throws IOException {
    byte[] bytes = Files.readAllBytes(writeLabels("labels", LABELS, Compression.GZIP));
    InputStream in = new ByteArrayInputStream(bytes);
    assertArrayEquals(new int[] {2, 0}, IdxReader.readLabels(in, "memory", 2));
  }

  @Test
  void limitReadsOnlyTheFirstExamples() throws IOException {
    Path images = writeImages("images", Compression.GZIP);
    Path labels = writeLabels("labels", LABELS, Compression.NONE);
    INDArray firstTwo = images().get(NDArrayIndex.interval(0, 2));
    assertEquals(firstTwo, IdxReader.readImages(images, 2));
    assertArrayEquals(new int[] {2, 0}, IdxReader.readLabels(labels, 2));
    assertEquals(images(), IdxReader.readImages(images, 1000));

    LabelledDataset data = IdxReader.readDataset(images, labels, NAMES, 2);
    assertEquals(2, data.size());
    assertTrue(data.description().endsWith(" (first 2 of 3)"), data.description());
    IllegalArgumentException e = assertThrows(
        IllegalArgumentException.class, () -> IdxReader.readLabels(labels, 0));
    assertEquals("limit must be positive; limit=0", e.getMessage());
  }

  @Test
  void missingFileNamesThePath() {
    Path missing = dir.resolve("nowhere-images-idx3-ubyte");
    FileNotFoundException e =
        assertThrows(FileNotFoundException.class, () -> IdxReader.readImages(missing));
    assertEquals("IDX file not found: " + missing.toAbsolutePath(), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void wrongMagicShowsExpectedAndActualInHex(Compression compression) throws IOException {
    Path labels = writeLabels("labels", LABELS, compression);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(labels));
    assertEquals("wrong IDX magic number in " + labels
        + ": expected 0x00000803, actual 0x00000801", e.getMessage());

    Path text = dir.resolve("text");
    Files.writeString(text, "hello, not an IDX file");
    e = assertThrows(IllegalArgumentException.class, () -> IdxReader.readLabels(text));
    assertEquals("wrong IDX magic number in " + text
        + ": expected 0x00000801, actual 0x68656C6C", e.getMessage());
  }

  @Test
  void unsupportedDataTypeIsNamed() throws IOException {
    Path floats = dir.resolve("floats");
    // Magic 0x00000D03: float elements, three dimensions; then sizes 1x1x1 and one float.
    Files.write(floats, new byte[] {0, 0, 0x0D, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0});
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> IdxReader.readImages(floats));
    assertEquals("unsupported IDX data type in " + floats
        + ": 0x0D (float); only 0x08 (unsigned byte) is supported", e.getMessage());
  }

  @Test
  void truncatedPlainFileGivesExpectedAndActualByteCounts() throws IOException {
    Path images = writeImages("images", Compression.NONE);
    assertEquals(IMAGE_FILE_BYTES, Files.size(images));
    truncate(images, 50);
    EOFException e = assertThrows(EOFException.class, () -> IdxReader.readImages(images));
    assertEquals("truncated IDX file " + images + ": expected 76 bytes, actual 50",
        e.getMessage());
    // The examples before the cut are intact and readable with a limit.
    assertEquals(images().get(NDArrayIndex.interval(0, 1)), IdxReader.readImages(images, 1));

    truncate(images, 6);
    e = assertThrows(EOFException.class, () -> IdxReader.readImages(images));
    assertEquals("truncated IDX file " + images + ": expected 16 bytes, actual 6",
        e.getMessage());
  }

  @Test
  void truncatedGzipFileIsReportedAsTruncated() throws IOException {
    Path labels = writeLabels("labels", new int[1000], Compression.GZIP);
    truncate(labels, (int) Files.size(labels) - 12);
    EOFException e = assertThrows(EOFException.class, () -> IdxReader.readLabels(labels));
    assertTrue(e.getMessage().startsWith(
        "truncated IDX file " + labels + ": expected 1008 bytes, actual "), e.getMessage());
  }

  /**
   * A header claiming 2,000,000 images of 28×28 in a file of 30 bytes made the reader allocate the
   * 1.5 GB they would take before reading; it now allocates as the data arrives.
   */
  @Test
  void aHeaderClaimingMoreThanTheFileHoldsIsTruncatedWithoutAllocatingIt() throws IOException {
    Path images = dir.resolve("huge-header");
    java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(30).putInt(0x00000803).putInt(2_000_000).putInt(28)
        .putInt(28);
    Files.write(images, header.array());
    long before = allocatedBytes();
    EOFException e = assertThrows(EOFException.class, () -> IdxReader.readImages(images));
    long allocated = allocatedBytes() - before;
    assertEquals("truncated IDX file " + images + ": expected 1568000016 bytes, actual 30", e.getMessage());
    assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes for a 30-byte file");
  }

  private static long allocatedBytes() {
    return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
        .getCurrentThreadAllocatedBytes();
  }

  @Test
  void imageAndLabelCountMismatchGivesBothCounts() throws IOException {
    Path images = writeImages("images", Compression.GZIP);
    Path labels = writeLabels("labels", new int[] {0, 1}, Compression.GZIP);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IdxReader.readDataset(images, labels, NAMES, 1));
    assertEquals("image and label files differ in count: 3!=2; images=" + images
        + " labels=" + labels, e.getMessage());
  }

  @Test
  void labelBeyondTheNamesIsRejected() throws IOException {
    Path images = writeImages("images", Compression.NONE);
    Path labels = writeLabels("labels", new int[] {0, 1, 3}, Compression.NONE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IdxReader.readDataset(images, labels, NAMES));
    assertEquals("labels must be in [0, 3); labels[2]=3", e.getMessage());
  }

  @Test
  void writerRejectsValuesItCannotStore() {
    INDArray bright = Nd4j.zeros(DataType.FLOAT, 2, 1, 2, 2);
    bright.putScalar(new long[] {1, 0, 0, 1}, 1.5f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> IdxWriter.writeImages(dir.resolve("x"), bright, Compression.NONE));
    assertEquals("pixels must be in [0, 1]; example=1 value=1.5", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> IdxWriter.writeLabels(dir.resolve("y"), new int[] {3, 256}, Compression.NONE));
    assertEquals("labels must be in [0, 255]; labels[1]=256", e.getMessage());
  }

  private static void truncate(Path file, int length) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, length));
  }
}
