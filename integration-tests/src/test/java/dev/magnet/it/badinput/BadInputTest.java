package dev.magnet.it.badinput;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.it.CliRun;
import dev.magnet.it.LocalSpark;
import dev.magnet.it.TestData;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input through the real entry point ({@code magnet train|evaluate}, in-process on a
 * {@code local[2]} session): each case ends with one line on stderr naming the problem and the
 * value, and the documented exit status; or, for rows that can be left out, a counted reject
 * and a trained model. Nothing already written is lost.
 */
class BadInputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The tiny network and neighbourhoods every training run here uses. */
  private static final List<String> SMALL = List.of("--network", "mlp", "--embedding-dim", "4", "-K", "2", "-M", "3",
      "-D", "4", "--seed", "5", "--epochs", "1");

  private static SparkSession spark;
  @TempDir
  static Path shared;
  private static ModelArtifact model;
  private static Path modelDir;
  private static TestData.IdxPair idx;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() throws IOException {
    spark = LocalSpark.start("magnet-bad-input-it");
    idx = TestData.writeIdx(TestData.images(8, 21), shared, "good");
    modelDir = shared.resolve("model");
    CliRun trained = CliRun.of(args(List.of("train", "--data", idx.spec(), "--output", modelDir.toString(),
        "--checkpoint-dir", shared.resolve("checkpoints").toString())));
    assertEquals(ExitCodes.SUCCESS, trained.status(), trained.toString());
    model = HadoopModelDirectory.load(modelDir.toString(), new Configuration());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** {@code head}, the {@link #SMALL} settings that {@code tail} does not set, and {@code tail}. */
  private static String[] args(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    List<String> given = List.of(tail);
    for (int i = 0; i < SMALL.size(); i += 2) {
      if (!given.contains(SMALL.get(i))) {
        all.addAll(SMALL.subList(i, i + 2));
      }
    }
    all.addAll(given);
    return all.toArray(String[]::new);
  }

  private static String[] train(String data, Path output, String... more) {
    return args(List.of("train", "--data", data, "--output", output.toString()), more);
  }

  /**
   * The status, and a first stderr line, prefixed by the command, containing {@code message}. A
   * failure after parsing prints only that line; a parse error adds picocli's "Try ... --help".
   */
  private static void assertFails(CliRun run, int status, String message) {
    assertEquals(status, run.status(), run.toString());
    List<String> lines = run.err().strip().lines().toList();
    String first = lines.get(0);
    assertTrue(lines.size() == 1 || lines.size() == 2 && lines.get(1).startsWith("Try 'magnet "), run.toString());
    assertTrue(first.startsWith("magnet train: ") || first.startsWith("magnet evaluate: "), run.toString());
    assertTrue(first.contains(message), "expected <" + message + "> in " + run);
  }

  private String parquet(String name, List<Row> rows) {
    String path = tmp.resolve(name).toString();
    spark.createDataFrame(rows, new StructType()
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.IntegerType))
        .coalesce(1).write().parquet(path);
    return path;
  }

  /** Rows of 4-dimensional vectors, {@code counts[c]} of class c, the classes far apart. */
  private static List<Row> vectors(int... counts) {
    List<Row> rows = new ArrayList<>();
    for (int c = 0; c < counts.length; c++) {
      for (int i = 0; i < counts[c]; i++) {
        double[] v = new double[4];
        v[c % 4] = 10 + c;
        v[(c + 1) % 4] = 0.1 * i;
        rows.add(RowFactory.create(v, c));
      }
    }
    return rows;
  }

  @Test
  void aMissingIdxFileExitsWith3NamingIt() {
    Path missing = tmp.resolve("no-such-labels.idx");
    CliRun run = CliRun.of(train("idx:" + idx.images() + "," + missing, tmp.resolve("out")));
    assertFails(run, ExitCodes.BAD_INPUT, "IDX file not found: file:" + missing);
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void aMissingParquetTableExitsWith3NamingIt() {
    Path missing = tmp.resolve("no-such-table");
    CliRun run = CliRun.of(train("parquet:" + missing, tmp.resolve("out")));
    assertFails(run, ExitCodes.BAD_INPUT, "Path does not exist: file:" + missing);
  }

  @Test
  void anEmptyTableExitsWith3() {
    String empty = parquet("empty", List.of());
    CliRun run = CliRun.of(train("parquet:" + empty, tmp.resolve("out")));
    assertFails(run, ExitCodes.BAD_INPUT, "Column label must hold a label in at least one row; rows with labels=0 in "
        + empty);
  }

  @Test
  void anIdxFileOfNoExamplesExitsWith3() throws IOException {
    Path images = tmp.resolve("empty-images.idx");
    Files.write(images, new byte[] {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8});
    CliRun run = CliRun.of(train("idx:" + images + "," + idx.labels(), tmp.resolve("out")));
    assertFails(run, ExitCodes.BAD_INPUT, "IDX dimension sizes must be positive in " + images + "; dimension 0=0");
  }

  @Test
  void aTruncatedIdxFileExitsWith3SayingWhereItEnds() throws IOException {
    Path images = tmp.resolve("truncated-images.idx");
    byte[] whole = Files.readAllBytes(idx.images());
    Files.write(images, Arrays.copyOf(whole, whole.length - 100));
    CliRun run = CliRun.of(train("idx:" + images + "," + idx.labels(), tmp.resolve("out")));
    assertFails(run, ExitCodes.BAD_INPUT, "truncated IDX file " + images + ": expected " + whole.length
        + " bytes, actual " + (whole.length - 100));
  }

  /**
   * Class 1 has 3 examples (fewer than D=4), class 2 has 1 (fewer than K=2): the small cluster is
   * drawn with replacement and the one-example class gets one cluster (DESIGN.md §1); training
   * succeeds and the index says so.
   */
  @Test
  void classesSmallerThanDAndThanKTrain() throws IOException {
    String table = parquet("small-classes", vectors(30, 3, 1));
    Path out = tmp.resolve("out");
    CliRun run = CliRun.of(train("parquet:" + table, out));
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    ModelArtifact trained = HadoopModelDirectory.load(out.toString(), new Configuration());
    assertEquals(2, trained.index().clusterCountOfClass(0));
    assertEquals(2, trained.index().clusterCountOfClass(1));
    assertEquals(1, trained.index().clusterCountOfClass(2), "one example, one cluster");
  }

  @Test
  void validationLabelsOutsideTheTrainingLabelMapExitWith3() throws IOException {
    LabelledDataset wide = TestData.images(2, 4);
    int[] labels = wide.labels().clone();
    labels[5] = 7;
    Path labelFile = tmp.resolve("bad-labels.idx");
    dev.magnet.core.data.IdxWriter.writeLabels(labelFile, labels, dev.magnet.core.data.IdxWriter.Compression.NONE);
    TestData.IdxPair imagesOnly = TestData.writeIdx(wide, tmp, "wide");
    CliRun run = CliRun.of(train(idx.spec(), tmp.resolve("out"), "--validation",
        "idx:" + imagesOnly.images() + "," + labelFile));
    assertFails(run, ExitCodes.BAD_INPUT, "labels must be below the number of label names 3; labels[5]=7 in " + labelFile);
  }

  @Test
  void negativeParquetLabelsExitWith3() {
    List<Row> rows = new ArrayList<>(vectors(5, 5));
    rows.add(RowFactory.create(new double[] {1, 2, 3, 4}, -2));
    String table = parquet("negative", rows);
    CliRun run = CliRun.of(train("parquet:" + table, tmp.resolve("out")));
    assertFails(run, ExitCodes.BAD_INPUT, "Column label must hold class ids in [0, 1000000): ids 0..C-1 name C classes,"
        + " and the classes' names are built on the driver; min=-2 max=1 in " + table);
  }

  /** NaN and ±Inf feature rows are skipped and counted; the rest trains. */
  @Test
  void nonFiniteFeatureRowsAreSkippedAndCounted() {
    List<Row> rows = new ArrayList<>(vectors(12, 12, 12));
    rows.add(RowFactory.create(new double[] {Double.NaN, 0, 0, 0}, 0));
    rows.add(RowFactory.create(new double[] {0, Double.POSITIVE_INFINITY, 0, 0}, 1));
    rows.add(RowFactory.create(new double[] {0, 0, Double.NEGATIVE_INFINITY, 0}, 2));
    String table = parquet("non-finite", rows);
    CliRun run = CliRun.of(train("parquet:" + table, tmp.resolve("out")));
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().contains("skipped 3 unusable rows of parquet:" + table + " (null, non-finite or of another length)"),
        run.toString());
    assertTrue(Files.exists(tmp.resolve("out/metadata.json")));
  }

  /** A copy of the shared model directory to damage. */
  private Path modelCopy() throws IOException {
    Path copy = tmp.resolve("model-copy");
    Files.createDirectories(copy);
    try (Stream<Path> files = Files.list(modelDir)) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return copy;
  }

  @Test
  void aModelOfANewerFormatVersionExitsWith3() throws IOException {
    Path copy = modelCopy();
    bumpFormatVersion(copy);
    CliRun run = CliRun.of("evaluate", "--model", copy.toString(), "--data", idx.spec());
    assertFails(run, ExitCodes.BAD_INPUT, "has model format version " + (ModelArtifact.FORMAT_VERSION + 1)
        + ", which this Magnet");
    assertTrue(run.err().contains("upgrade Magnet"), run.toString());
  }

  /** Rewrites metadata.json's format version through Hadoop, as a newer Magnet would write it (.crc too). */
  private static void bumpFormatVersion(Path directory) throws IOException {
    ObjectNode metadata = (ObjectNode) JSON.readTree(directory.resolve("metadata.json").toFile());
    metadata.put("formatVersion", ModelArtifact.FORMAT_VERSION + 1);
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(directory.resolve("metadata.json").toUri());
    try (java.io.OutputStream out = file.getFileSystem(new Configuration()).create(file, true)) {
      out.write(JSON.writeValueAsBytes(metadata));
    }
  }

  /** --resume from a checkpoint a newer Magnet wrote: the message names the directory and the version. */
  @Test
  void resumingFromACheckpointOfANewerFormatExitsWith4NamingIt() throws IOException {
    Path checkpoints = tmp.resolve("checkpoints");
    Files.createDirectories(checkpoints.resolve("epoch-0001"));
    try (Stream<Path> files = Files.list(shared.resolve("checkpoints/epoch-0001"))) {
      for (Path f : files.toList()) {
        Files.copy(f, checkpoints.resolve("epoch-0001").resolve(f.getFileName()));
      }
    }
    bumpFormatVersion(checkpoints.resolve("epoch-0001"));
    CliRun run = CliRun.of(train(idx.spec(), tmp.resolve("out"), "--epochs", "2", "--checkpoint-dir",
        checkpoints.toString(), "--resume"));
    assertFails(run, ExitCodes.TRAINING_FAILED, "training failed: cannot resume from the last checkpoint in "
        + checkpoints + ": file:" + checkpoints.resolve("epoch-0001") + " has model format version "
        + (ModelArtifact.FORMAT_VERSION + 1));
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void aTruncatedNetworkFileExitsWith3() throws IOException {
    Path copy = modelCopy();
    Path network = copy.resolve("network.zip");
    byte[] whole = Files.readAllBytes(network);
    Files.write(network, Arrays.copyOf(whole, whole.length / 2));
    CliRun run = CliRun.of("evaluate", "--model", copy.toString(), "--data", idx.spec());
    // Hadoop's .crc of the local file system catches the cut first; without it the digest would
    assertFails(run, ExitCodes.BAD_INPUT, "/model-copy/network.zip is corrupt: it cannot be read whole (Checksum error: ");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "-K|0|clustersPerClass (K) must be positive; clustersPerClass (K)=0",
      "-M|1|clustersPerBatch (M) must be at least 2: the loss needs clusters of another class; M=1",
      "-D|0|examplesPerCluster (D) must be positive; examplesPerCluster (D)=0",
      "--alpha|-0.5|alpha must be finite and >= 0; alpha=-0.5",
      "--epochs|0|epochs must be positive; epochs=0",
      "--averaging-frequency|0|averagingFrequency must be positive; averagingFrequency=0",
      "--averaging-lag|-1|averagingLag must be >= 0 (0 = in step); averagingLag=-1",
      "--workers|-1|workers must be >= 0 (0 = default parallelism); workers=-1",
      "--learning-rate|-0.001|learning rate must be positive and finite; learningRate=-0.001",
      "--embedding-dim|0|embedding dimension must be positive; embeddingDim=0",
      "--limit|0|--limit must be positive; limit=0",
      "--min-metric|accuracy=0.5|--min-metric name must be one of"})
  void anOutOfRangeSettingExitsWith2NamingTheValue(String option, String value, String message) {
    CliRun run = CliRun.of(train(idx.spec(), tmp.resolve("out"), option, value));
    assertFails(run, ExitCodes.BAD_ARGUMENTS, message);
    assertFalse(Files.exists(tmp.resolve("out")));
  }

  @Test
  void syntheticSettingsOutOfRangeExitWith2() {
    CliRun run = CliRun.of(train("synthetic:per=0", tmp.resolve("out")));
    assertFails(run, ExitCodes.BAD_ARGUMENTS, "synthetic settings must be positive; per=0");
  }

  /** A PNG (or JPEG) of {@code width}×{@code height} pixels of the given BufferedImage type. */
  private static byte[] image(int width, int height, int type, String format) throws IOException {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(width, height, type);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.setRGB(x, y, (x * 37 + y * 91) * 0x010101 & 0xFFFFFF | 0xFF000000);
      }
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    assertTrue(javax.imageio.ImageIO.write(img, format, bytes), format);
    return bytes.toByteArray();
  }

  /**
   * {@code embed} over a folder of images of mixed sizes and channels (grey 8×8 PNG, RGB 16×12
   * PNG, ARGB 5×7 PNG, RGB 20×20 JPEG) and three bad files (a PNG cut in half, text, an empty
   * file): the four are resized and converted to the model's 1×8×8 and embedded; the three are
   * rejected with their reasons, counted in the summary and listed in the rejects table.
   */
  @Test
  void mixedImagesAreEmbeddedAndCorruptOnesRejectedAndCounted() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("images/1"));
    Files.write(folder.resolve("grey.png"), image(8, 8, java.awt.image.BufferedImage.TYPE_BYTE_GRAY, "png"));
    Files.write(folder.resolve("rgb.png"), image(16, 12, java.awt.image.BufferedImage.TYPE_INT_RGB, "png"));
    Files.write(folder.resolve("argb.png"), image(5, 7, java.awt.image.BufferedImage.TYPE_INT_ARGB, "png"));
    Files.write(folder.resolve("photo.jpg"), image(20, 20, java.awt.image.BufferedImage.TYPE_INT_RGB, "jpg"));
    byte[] png = image(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB, "png");
    Files.write(folder.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
    Files.writeString(folder.resolve("notes.png"), "not an image");
    Files.write(folder.resolve("empty.png"), new byte[0]);
    Path output = tmp.resolve("embeddings");
    CliRun run = CliRun.of("embed", "--model", modelDir.toString(), "--input", "images:" + tmp.resolve("images"),
        "--output", output.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().contains("read      7 images"), run.toString());
    assertTrue(run.out().contains("rejected  3"), run.toString());
    List<Row> embedded = spark.read().parquet(output.toString()).select("path", "embedding", "label").collectAsList();
    assertEquals(4, embedded.size(), embedded.toString());
    for (Row row : embedded) {
      assertEquals(4, row.getList(1).size(), "embedding width of " + row.getString(0));
      assertEquals("1", row.getString(2), "the folder names the class");
    }
    Map<String, String> reasons = new TreeMap<>();
    for (Row row : spark.read().parquet(output + "_rejects").select("path", "reason").collectAsList()) {
      reasons.put(Path.of(java.net.URI.create(row.getString(0))).getFileName().toString(), row.getString(1));
    }
    assertEquals(Map.of("cut.png", "corrupt", "notes.png", "unknown-format", "empty.png", "empty"), reasons);
  }

  @Test
  void aFolderOfOnlyBadImagesExitsWith3AfterWritingTheRejects() throws IOException {
    Path folder = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(folder.resolve("a.jpg"), "text");
    Files.write(folder.resolve("b.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
    Path output = tmp.resolve("embeddings");
    CliRun run = CliRun.of("embed", "--model", modelDir.toString(), "--input", "images:" + folder,
        "--output", output.toString());
    assertEquals(ExitCodes.BAD_INPUT, run.status(), run.toString());
    List<String> err = run.err().strip().lines().toList();
    assertTrue(err.get(err.size() - 1).startsWith("magnet embed: none of the 2 inputs could be embedded; see "),
        "the last stderr line, after the progress lines: " + run);
    assertTrue(run.out().contains("rejected  2 (corrupt 1, unknown-format 1)"), run.toString());
    assertEquals(2, spark.read().parquet(output + "_rejects").count());
  }

  /** An existing --output without --overwrite: exit 2, and not one file of it is touched. */
  @Test
  void anExistingOutputIsLeftExactlyAsItWas() throws IOException {
    Path out = modelCopy();
    Path extra = Files.writeString(out.resolve("notes.txt"), "mine");
    Files.setLastModifiedTime(extra, FileTime.fromMillis(1_000_000_000_000L));
    Map<String, String> before = snapshot(out);
    CliRun run = CliRun.of(train(idx.spec(), out));
    assertFails(run, ExitCodes.BAD_ARGUMENTS, "output " + out + " already exists; pass --overwrite to replace it");
    assertEquals(before, snapshot(out));
  }

  /** Every file and directory under {@code root}: its content (hex) and modification time. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> state = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      paths.forEach(p -> {
        try {
          String content = Files.isRegularFile(p)
              ? java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                  .digest(Files.readAllBytes(p)))
              : "dir";
          state.put(root.relativize(p).toString(), content + " " + Files.getLastModifiedTime(p).toMillis());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      });
    }
    return state;
  }
}
