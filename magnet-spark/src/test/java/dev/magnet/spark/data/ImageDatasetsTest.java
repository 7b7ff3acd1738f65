package dev.magnet.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.IdxReader;
import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.data.TestImages;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.image.DecodedImage;
import dev.magnet.spark.data.image.ImageDecoder;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.data.image.RejectReason;
import dev.magnet.spark.data.image.RejectedFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.reflect.ClassTag$;

/**
 * Image files as data (docs/design.md, "Image files"): every input is one example or one reject
 * with its reason, decoded once and cached, classes by folder, by {@code --labels} or matched by
 * name, sizes inferred or given, folders and Parquet tables alike.
 */
class ImageDatasetsTest {
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  static Path tmp;

  /** A decoded input's outcome is cached and spilled through the session's Kryo: both kinds come back whole. */
  @Test
  void outcomesCrossTheSessionsKryo() {
    SerializerInstance kryo = new KryoSerializer(session.sparkContext().getConf()).newInstance();
    ImageDatasets.Decoded example = ImageDatasets.Decoded.of(
        new Example(7, 1, -1, FeatureEncoding.UINT8, new byte[] {0, 9, (byte) 255}));
    ImageDatasets.Decoded rejected = ImageDatasets.Decoded.of(
        new RejectedFile("a.png", RejectReason.CORRUPT, "truncated", 10L, 1_700_000_000_000L));
    for (ImageDatasets.Decoded outcome : List.of(example, rejected)) {
      Object back = kryo.deserialize(kryo.serialize(outcome, ClassTag$.MODULE$.Any()), ClassTag$.MODULE$.Any());
      assertEquals(outcome, back);
    }
  }

  /** Two classes of 10 grey 12x12 PNGs, one bad file of every kind in class-0, and one file in the root. */
  private static Path corpus(String name) throws IOException {
    Path root = tmp.resolve(name);
    TestImages.writeClasses(root, 2, 10, 12, 12, false, "png", 5);
    TestImages.writeBadFiles(root.resolve("class-0"));
    Files.write(root.resolve("loose.png"), TestImages.encode(TestImages.classImage(1, 0, 12, 12, false, 5), "png"));
    return root;
  }

  private static LoadReport load(String source, ImageLoading how, List<String> names) throws IOException {
    return DataSource.parse(source).load(session, IdxReader.ALL, 1, names, how);
  }

  private static List<Path> files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static Map<String, String> reasonsByName(ImageReport report) {
    Map<String, String> reasons = new TreeMap<>();
    for (RejectedFile r : report.rejects()) {
      reasons.put(Path.of(r.path().replace("file:", "")).getFileName().toString(), r.reason().spelling());
    }
    return reasons;
  }

  @Test
  void everyFileIsAnExampleOrARejectWithItsReason() throws IOException {
    Path root = corpus("every-file");
    LoadReport report = load("images:" + root, ImageLoading.INFERRED, null);
    ImageReport images = report.images();
    Map<String, String> expected = new TreeMap<>(TestImages.BAD_FILES);
    expected.put("loose.png", RejectReason.UNLABELLED.spelling());
    assertEquals(expected, reasonsByName(images));
    assertEquals(files(root).size(), images.inputs());
    assertEquals(images.inputs(), images.decoded() + images.rejected(), "every file is counted once");
    assertEquals(Map.of("class-0", 10L, "class-1", 10L), images.classCounts());
    SparkDataset data = report.dataset();
    assertEquals(List.of("class-0", "class-1"), data.labelNames());
    assertEquals(ImagePreprocessing.of(1, 12, 12), data.preprocessing(), "12x12 grey files keep their size");
    assertEquals(20, data.examples().count());
    Set<Long> ids = data.examples().map(Example::id).collect().stream().collect(Collectors.toSet());
    assertEquals(20, ids.size(), "ids are unique");
    // The reject of a file gives its size and time; the detail says what the decoder said.
    RejectedFile huge = images.rejects().stream().filter(r -> r.path().endsWith("huge.png")).findFirst().orElseThrow();
    assertEquals("20000x20000 pixels is more than " + ImageDecoder.MAX_PIXELS, huge.detail());
    assertEquals(Files.size(root.resolve("class-0/huge.png")), huge.size());
  }

  @Test
  void theFilesAreDecodedOnceAndTheExamplesStayCached() throws IOException {
    Path root = tmp.resolve("cached");
    TestImages.writeClasses(root, 2, 6, 10, 10, false, "png", 9);
    Map<String, byte[]> expected = new HashMap<>();
    for (Path f : files(root)) {
      expected.put(f.getFileName() + "/" + f.getParent().getFileName(),
          ((DecodedImage) ImageDecoder.decode(Files.readAllBytes(f), ImagePreprocessing.of(1, 10, 10))).pixels());
    }
    SparkDataset data = load("images:" + root, ImageLoading.INFERRED, null).dataset();
    for (Path f : files(root)) {
      Files.delete(f);
    }
    // Were any file read again, it would be gone (a "missing" reject), not an example.
    List<Example> examples = data.examples().collect();
    assertEquals(12, examples.size());
    assertEquals(12, data.examples().count());
    Set<String> seen = new HashSet<>();
    for (Example e : examples) {
      boolean found = expected.values().stream().anyMatch(p -> java.util.Arrays.equals(p, e.features()));
      assertTrue(found, "example " + e.id() + " holds a file's decoded pixels");
      seen.add(java.util.Arrays.toString(e.features()));
    }
    assertEquals(12, seen.size());
  }

  @Test
  void heldOutDataTakesTheTrainingClassesByNameAndRejectsOthers() throws IOException {
    Path root = tmp.resolve("held-out");
    TestImages.writeClasses(root, 3, 2, 8, 8, false, "png", 2);
    LoadReport report = load("images:" + root, ImageLoading.as(ImagePreprocessing.of(1, 8, 8), null),
        List.of("class-1", "class-0"));
    assertEquals(Map.of("class-2", 2L), report.images().rejects().stream().collect(Collectors.groupingBy(
        r -> Path.of(r.path()).getParent().getFileName().toString(), Collectors.counting())));
    assertTrue(report.images().rejects().stream().allMatch(r -> r.reason() == RejectReason.UNKNOWN_CLASS));
    List<Example> examples = report.dataset().examples().collect();
    Map<Integer, Long> byLabel = examples.stream().collect(Collectors.groupingBy(Example::label, Collectors.counting()));
    assertEquals(Map.of(0, 2L, 1, 2L), byLabel);
    assertEquals(List.of("class-1", "class-0"), report.dataset().labelNames(), "the given order, matched by name");
  }

  @Test
  void labelsComeFromACsvOfPathsRelativeOrAbsolute() throws IOException {
    Path root = tmp.resolve("flat");
    Files.createDirectories(root);
    List<String> rows = new ArrayList<>(List.of("path,label"));
    for (int i = 0; i < 8; i++) {
      Path file = Files.write(root.resolve("img-" + i + ".png"),
          TestImages.encode(TestImages.classImage(i % 2, i, 8, 8, false, 3), "png"));
      rows.add((i < 4 ? file.toAbsolutePath().toString() : file.getFileName().toString()) + ","
          + (i % 2 == 0 ? "even" : "odd"));
    }
    Files.write(root.resolve("unlisted.png"), TestImages.encode(TestImages.classImage(0, 9, 8, 8, false, 3), "png"));
    Path csv = Files.write(tmp.resolve("labels.csv"), rows);
    LoadReport report = load("images:" + root, new ImageLoading(null, null, null, csv.toString()), null);
    assertEquals(List.of("even", "odd"), report.dataset().labelNames());
    assertEquals(Map.of("even", 4L, "odd", 4L), report.images().classCounts());
    assertEquals(Map.of("unlisted.png", "unlabelled"), reasonsByName(report.images()));

    List<String> twice = new ArrayList<>(rows);
    twice.add(root.resolve("img-0.png").toAbsolutePath() + ",odd");
    Path conflicting = Files.write(tmp.resolve("twice.csv"), twice);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> load("images:" + root,
        new ImageLoading(null, null, null, conflicting.toString()), null));
    assertTrue(e.getMessage().startsWith("--labels gives a file two labels: " + root.toAbsolutePath()
        + "/img-0.png is even and odd"), e.getMessage());
    Path headless = Files.write(tmp.resolve("headless.csv"), List.of("a,b", "x.png,even"));
    e = assertThrows(IllegalArgumentException.class, () -> load("images:" + root,
        new ImageLoading(null, null, null, headless.toString()), null));
    assertTrue(e.getMessage().startsWith("--labels must be a CSV with the header path,label; columns=[a, b]"),
        e.getMessage());
  }

  @Test
  void sizesAndChannelsAreInferredFromTheFilesUnlessGiven() throws IOException {
    Path large = tmp.resolve("large-rgb");
    TestImages.writeClasses(large, 2, 3, 96, 80, true, "jpeg", 1);
    assertEquals(ImagePreprocessing.of(3, 64, 64), load("images:" + large, ImageLoading.INFERRED, null).dataset()
        .preprocessing(), "colour files beyond 64 px: RGB 64x64");
    LoadReport given = load("images:" + large, new ImageLoading(null, new ImageSize(32, 48), 1, null), null);
    assertEquals(ImagePreprocessing.of(1, 32, 48), given.dataset().preprocessing());
    assertEquals(32 * 48, given.dataset().examples().first().size());

    Path mixed = tmp.resolve("mixed");
    TestImages.writeClasses(mixed, 2, 3, 20, 24, false, "png", 1);
    Files.write(mixed.resolve("class-0/odd-size.png"), TestImages.encode(TestImages.classImage(0, 7, 40, 40, false, 1),
        "png"));
    assertEquals(ImagePreprocessing.of(1, 24, 20), load("images:" + mixed, ImageLoading.INFERRED, null).dataset()
        .preprocessing(), "the most common size, height x width");
  }

  @Test
  void aLimitTakesFilesSpreadOverTheListing() throws IOException {
    Path root = tmp.resolve("limited");
    TestImages.writeClasses(root, 2, 10, 8, 8, false, "png", 4);
    LoadReport report = DataSource.parse("images:" + root).load(session, 6, 1, null, ImageLoading.INFERRED);
    assertEquals(6, report.images().inputs());
    assertEquals(Map.of("class-0", 3L, "class-1", 3L), report.images().classCounts(), "both classes keep their share");
  }

  @Test
  void noImagesAtAllOrNoUsableOneNamesThePath() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
        () -> load("images:" + empty, ImageLoading.INFERRED, null));
    assertEquals("no image files under file:" + empty.toAbsolutePath(), none.getMessage());
    assertThrows(FileNotFoundException.class, () -> load("images:" + tmp.resolve("absent"), ImageLoading.INFERRED,
        null));

    Path bad = tmp.resolve("bad");
    TestImages.writeBadFiles(bad.resolve("a"));
    TestImages.writeBadFiles(bad.resolve("b"));
    IllegalArgumentException unusable = assertThrows(IllegalArgumentException.class,
        () -> load("images:" + bad, ImageLoading.INFERRED, null));
    assertTrue(unusable.getMessage().startsWith("no usable images in " + bad + ": all 8 inputs were rejected"),
        unusable.getMessage());

    Path one = tmp.resolve("one-class");
    TestImages.writeClasses(one, 1, 3, 8, 8, false, "png", 1);
    IllegalArgumentException single = assertThrows(IllegalArgumentException.class,
        () -> load("images:" + one, ImageLoading.INFERRED, null));
    assertTrue(single.getMessage().startsWith("image data needs at least 2 classes"), single.getMessage());
  }

  @Test
  void aFileGoneSinceTheListingIsRejectedAsMissing() throws IOException {
    Path root = tmp.resolve("gone");
    TestImages.writeClasses(root, 2, 2, 8, 8, false, "png", 4);
    Configuration conf = session.sparkContext().hadoopConfiguration();
    ImageFiles listed = ImageFiles.list(root.toString(), conf);
    Files.delete(root.resolve("class-1/0001.png"));
    String[] classes = {"class-0", "class-0", "class-1", "class-1"};
    List<ImageDatasets.Decoded> decoded = new ImageDatasets.FileSplit(listed.splits(1, 0).get(0), classes)
        .decode(ImagePreprocessing.of(1, 8, 8), Map.of("class-0", 0, "class-1", 1), conf);
    assertEquals(4, decoded.size());
    assertEquals(-1 - RejectReason.MISSING.ordinal(), decoded.get(3).key());
    assertEquals(1, decoded.get(2).key(), "an example of class-1");
  }

  @Test
  void aParquetTableOfEncodedImagesOrImageStructsGivesTheFolderPixels() throws IOException {
    Path root = tmp.resolve("table-source");
    TestImages.writeClasses(root, 2, 4, 12, 10, true, "png", 6);
    ImagePreprocessing rgb = ImagePreprocessing.of(3, 8, 8);
    Map<String, byte[]> byFile = new HashMap<>();
    LoadReport folder = load("images:" + root, ImageLoading.as(rgb, null), null);
    List<Row> rows = new ArrayList<>();
    for (Path f : files(root)) {
      rows.add(RowFactory.create(Files.readAllBytes(f), f.getParent().getFileName().toString(), f.toString()));
      byFile.put(f.toString(), ((DecodedImage) ImageDecoder.decode(Files.readAllBytes(f), rgb)).pixels());
    }
    rows.add(RowFactory.create("garbage".getBytes(), "class-0", "broken.png"));
    StructType schema = new StructType().add("content", DataTypes.BinaryType).add("species", DataTypes.StringType)
        .add("path", DataTypes.StringType);
    String table = tmp.resolve("encoded.parquet").toString();
    session.createDataFrame(rows, schema).write().parquet(table);
    LoadReport encoded = load("parquet:" + table + ",image=content,label=species", ImageLoading.as(rgb, null), null);
    assertEquals(folder.dataset().labelNames(), encoded.dataset().labelNames());
    assertEquals(Map.of("broken.png", "unknown-format"), reasonsByName(encoded.images()));
    assertEquals(sortedPixels(folder.dataset()), sortedPixels(encoded.dataset()));

    // Spark's image source: its structs (BGR, the file's size) give the same pixels as the files.
    String structs = tmp.resolve("structs.parquet").toString();
    Dataset<Row> images = session.read().format("image").load(root + "/*/*.png")
        .withColumn("label", org.apache.spark.sql.functions.regexp_extract(
            org.apache.spark.sql.functions.col("image.origin"), "/(class-[0-9]+)/", 1));
    images.write().parquet(structs);
    LoadReport fromStructs = load("parquet:" + structs, ImageLoading.as(rgb, null), null);
    assertEquals(sortedPixels(folder.dataset()), sortedPixels(fromStructs.dataset()));
    assertEquals(0, fromStructs.images().rejected());
  }

  private static List<String> sortedPixels(SparkDataset data) {
    return data.examples().collect().stream().map(e -> e.label() + ":" + java.util.Arrays.toString(e.features()))
        .sorted().toList();
  }
}
