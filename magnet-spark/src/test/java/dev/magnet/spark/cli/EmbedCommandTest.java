package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.OutputMarker;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.core.train.LocalMagnetTrainer;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.embed.EmbeddingModel;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.util.ExitCodes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code magnet embed} end to end on the test session: a model trained in seconds on generated
 * 16x16 images, a folder tree of PNG and JPEG files of held-out images with corrupt files among
 * them, and the IDX file of the same pixels.
 */
class EmbedCommandTest {
  private static final int SIZE = 16;
  private static final int CLASSES = 3;
  private static final int TRAIN_PER_SUBCLASS = 60;
  private static final int TEST_PER_SUBCLASS = 40;
  /** Held-out images written as files, and the folder whose name is no class. */
  private static final int GOOD_IMAGES = 200;
  private static final int UNKNOWN_FOLDER_IMAGES = 5;

  @TempDir
  static Path shared;

  @SparkTestSession.PerClass
  private static SparkSession session;
  private static ModelArtifact artifact;
  private static String modelDir;
  private static Path corpus;
  /** Expected rejects: file name -> reason. */
  private static final Map<String, String> BAD = new TreeMap<>();
  private static LabelledDataset test;

  @TempDir
  Path tmp;

  @BeforeAll
  static void setUp() throws IOException {
    LabelledDataset all = SyntheticData.images(CLASSES, 2, TRAIN_PER_SUBCLASS + TEST_PER_SUBCLASS, SIZE, 11);
    int trainRows = CLASSES * 2 * TRAIN_PER_SUBCLASS;
    LabelledDataset train = all.subset(IntStream.range(0, trainRows).toArray());
    test = all.subset(IntStream.range(trainRows, all.size()).toArray());
    MagnetParams params = MagnetParams.defaults().withClusters(2, 4, 4).withEpochs(2).withSeed(3);
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.image(1, SIZE, SIZE)).withEmbeddingDim(16)
        .withHiddenSizes(List.of(64)).withLearningRate(3e-3);
    artifact = new LocalMagnetTrainer(params, spec).train(train, epoch -> { }).model();
    modelDir = shared.resolve("model").toString();
    HadoopModelDirectory.save(artifact, modelDir, new Configuration(), false);
    corpus = writeCorpus(shared.resolve("corpus"));
  }

  /** Image i of the held-out set as 8-bit grey pixels, rounded as IDX files store them. */
  private static byte[] pixels(int i) {
    float[] values = test.features().get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).ravel().toFloatVector();
    byte[] bytes = new byte[values.length];
    for (int j = 0; j < values.length; j++) {
      bytes[j] = (byte) Math.round(values[j] * 255);
    }
    return bytes;
  }

  private static BufferedImage grey(byte[] plane, int size) {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, size, size, plane);
    return image;
  }

  /** The grey image as RGB, twice as large (nearest neighbour): the job must convert and resize it. */
  private static BufferedImage rgbDoubled(byte[] plane) {
    BufferedImage image = new BufferedImage(2 * SIZE, 2 * SIZE, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 2 * SIZE; y++) {
      for (int x = 0; x < 2 * SIZE; x++) {
        int g = plane[(y / 2) * SIZE + x / 2] & 0xFF;
        image.setRGB(x, y, g << 16 | g << 8 | g);
      }
    }
    return image;
  }

  /**
   * root/class-c/i.png (grey, every other image), i.jpg (RGB, 32x32, every fourth) and i.png at
   * 32x32 RGB (the rest); root/zebra/ with images of a folder that is no class; and bad files.
   */
  private static Path writeCorpus(Path root) throws IOException {
    for (int i = 0; i < GOOD_IMAGES + UNKNOWN_FOLDER_IMAGES; i++) {
      String folder = i < GOOD_IMAGES ? "class-" + test.labels()[i] : "zebra";
      Path dir = Files.createDirectories(root.resolve(folder));
      byte[] plane = pixels(i);
      if (i % 2 == 0) {
        ImageIO.write(grey(plane, SIZE), "png", dir.resolve(i + ".png").toFile());
      } else if (i % 4 == 1) {
        ImageIO.write(rgbDoubled(plane), "jpeg", dir.resolve(i + ".jpg").toFile());
      } else {
        ImageIO.write(rgbDoubled(plane), "png", dir.resolve(i + ".png").toFile());
      }
    }
    Path bad = Files.createDirectories(root.resolve("class-0"));
    SplittableRandom random = new SplittableRandom(5);
    for (int k = 0; k < 3; k++) {
      byte[] noise = new byte[300];
      random.nextBytes(noise);
      noise[0] = 0;
      Files.write(bad.resolve("noise-" + k + ".png"), noise);
      BAD.put("noise-" + k + ".png", "unknown-format");
    }
    Files.writeString(bad.resolve("notes.txt"), "not an image\n", StandardCharsets.UTF_8);
    BAD.put("notes.txt", "unknown-format");
    for (int k = 0; k < 2; k++) {
      Files.write(bad.resolve("empty-" + k + ".png"), new byte[0]);
      BAD.put("empty-" + k + ".png", "empty");
    }
    byte[] png = Files.readAllBytes(root.resolve("class-" + test.labels()[0]).resolve("0.png"));
    for (int k = 0; k < 2; k++) {
      Files.write(bad.resolve("truncated-" + k + ".png"), Arrays.copyOf(png, png.length / (2 + k)));
      BAD.put("truncated-" + k + ".png", "corrupt");
    }
    byte[] jpeg = Files.readAllBytes(root.resolve("class-" + test.labels()[1]).resolve("1.jpg"));
    Files.write(bad.resolve("truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
    BAD.put("truncated.jpg", "corrupt");
    return root;
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  @Test
  void aCorpusWithBadFilesEmbedsTheGoodOnesAndRejectsTheRest() {
    String output = tmp.resolve("embeddings").toString();
    CliRun run = CliRun.of("embed", "--model", modelDir, "--input", "images:" + corpus, "--output", output,
        "--batch-size", "32");
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    int good = GOOD_IMAGES + UNKNOWN_FOLDER_IMAGES;

    List<Row> rows = session.read().parquet(output).collectAsList();
    assertEquals(good, rows.size(), "one row per good image");
    assertEquals(List.of("id", "path", "embedding", "prediction", "prediction_index", "probability", "cluster", "label",
        "model", "file_size", "file_modified"), Arrays.asList(session.read().parquet(output).columns()));
    assertEquals(good, rows.stream().map(r -> r.getLong(0)).distinct().count(), "ids are unique");
    org.apache.spark.sql.types.Metadata provenance = session.read().parquet(output).schema().apply("embedding").metadata();
    assertEquals(artifact.provenance().trainedAt(), provenance.getString("magnet.model.trainedAt"),
        "the model's version travels in the table's schema");
    assertEquals(artifact.labelNames(), List.of(provenance.getStringArray("magnet.labelNames")));

    List<Row> rejects = session.read().parquet(output + "_rejects").collectAsList();
    Map<String, String> rejected = rejects.stream().collect(Collectors.toMap(r -> name(r.getString(0)),
        r -> r.getString(1), (a, b) -> a + "," + b, TreeMap::new));
    assertEquals(BAD, rejected, "the rejects table lists exactly the bad files");
    assertTrue(rejects.stream().allMatch(r -> !r.getString(2).isBlank()), "every reject says why");

    ClusterClassifier rule = EmbeddingModel.of(artifact).classifier();
    float[][] embeddings = rows.stream().map(r -> toFloats(r.getList(2))).toArray(float[][]::new);
    double[][] proba = rule.predictProba(Nd4j.create(embeddings));
    int[] nearest = rule.nearestCluster(Nd4j.create(embeddings));
    int correct = 0;
    int labelled = 0;
    String qualifiedModel = "file:" + modelDir;
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      String path = r.getString(1);
      String folder = Path.of(path.replaceFirst("^file:", "")).getParent().getFileName().toString();
      int predicted = r.getInt(4);
      assertEquals(1.0, Arrays.stream(proba[i]).sum(), 1e-9, "class probabilities sum to 1");
      assertEquals(Arrays.stream(proba[i]).max().orElseThrow(), r.getDouble(5), 1e-6, "probability is the largest");
      assertEquals(proba[i][predicted], r.getDouble(5), 1e-6, "prediction_index is the most probable class");
      assertEquals(artifact.labelNames().get(predicted), r.getString(3));
      assertEquals(nearest[i], r.getInt(6), "cluster is the nearest centroid");
      assertEquals(qualifiedModel, r.getString(8));
      if (folder.equals("zebra")) {
        assertNull(r.get(7), "a folder that names no class leaves the label null");
      } else {
        assertEquals(folder, r.getString(7));
        labelled++;
        correct += r.getString(7).equals(r.getString(3)) ? 1 : 0;
      }
    }
    assertEquals(GOOD_IMAGES, labelled);
    double accuracy = (double) correct / labelled;
    assertTrue(accuracy > 0.8, "cluster-rule accuracy " + accuracy + " (chance: 1/" + CLASSES + ")");

    assertTrue(run.out().contains("read      " + (good + BAD.size()) + " images"), run.out());
    assertTrue(run.out().contains("embedded  " + good + " in "), run.out());
    assertTrue(run.out().contains("rejected  " + BAD.size() + " (corrupt 3, empty 2, unknown-format 4)"), run.out());
    assertTrue(run.out().contains("unlabelled 5: label left null, folders not among the model's classes: zebra"),
        run.out());
    assertTrue(run.out().contains("embeddings file:" + output), run.out());
    assertTrue(run.out().contains("rejects    file:" + output + "_rejects"), run.out());
    assertTrue(run.err().contains("embed: 100% of partitions"), run.err());
    assertTrue(run.err().matches("(?s).*images/s, ETA \\d+ s.*"), run.err());
  }

  private static float[] toFloats(List<Object> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }

  /** The first n held-out images as an IDX pair and as a flat folder of grey PNGs named by index. */
  private String idxAndPngs(Path dir, int n) throws IOException {
    Path pngs = Files.createDirectories(dir.resolve("flat"));
    float[] values = new float[n * SIZE * SIZE];
    for (int i = 0; i < n; i++) {
      byte[] plane = pixels(i);
      for (int j = 0; j < plane.length; j++) {
        values[i * SIZE * SIZE + j] = (plane[j] & 0xFF) / 255f;
      }
      ImageIO.write(grey(plane, SIZE), "png", pngs.resolve(i + ".png").toFile());
    }
    IdxWriter.writeImages(dir.resolve("images.idx"), Nd4j.create(values, new long[] {n, 1, SIZE, SIZE}),
        IdxWriter.Compression.NONE);
    IdxWriter.writeLabels(dir.resolve("labels.idx"), Arrays.copyOf(test.labels(), n), IdxWriter.Compression.NONE);
    return "idx:" + dir.resolve("images.idx") + "," + dir.resolve("labels.idx");
  }

  @Test
  void anIdxImageAndItsPngEmbedToTheSameVector() throws IOException {
    int n = 24;
    String idx = idxAndPngs(tmp, n);
    String fromIdx = tmp.resolve("from-idx").toString();
    String fromPng = tmp.resolve("from-png").toString();
    CliRun a = CliRun.of("embed", "--model", modelDir, "--input", idx, "--output", fromIdx, "--batch-size", "5");
    assertEquals(ExitCodes.SUCCESS, a.status(), a.toString());
    assertTrue(a.out().contains("read      " + n + " examples"), a.out());
    CliRun b = CliRun.of("embed", "--model", modelDir, "--input", "images:" + tmp.resolve("flat"), "--output", fromPng,
        "--batch-size", "7");
    assertEquals(ExitCodes.SUCCESS, b.status(), b.toString());
    Map<Long, Row> byId = new HashMap<>();
    session.read().parquet(fromIdx).collectAsList().forEach(r -> byId.put(r.getLong(0), r));
    List<Row> png = session.read().parquet(fromPng).collectAsList();
    assertEquals(n, png.size());
    assertEquals(n, byId.size());
    for (Row r : png) {
      long index = Long.parseLong(name(r.getString(1)).replace(".png", ""));
      Row idxRow = byId.get(index);
      assertNull(r.get(7), "a flat folder has no labels");
      assertEquals(artifact.labelNames().get(test.labels()[(int) index]), idxRow.getString(7), "IDX rows carry labels");
      assertNull(idxRow.get(1), "IDX rows have no path");
      float[] expected = toFloats(idxRow.getList(2));
      float[] actual = toFloats(r.getList(2));
      for (int j = 0; j < expected.length; j++) {
        assertEquals(expected[j], actual[j], 1e-5f * Math.max(1f, Math.abs(expected[j])), "image " + index + "[" + j + "]");
      }
      assertEquals(idxRow.getInt(4), r.getInt(4));
      assertEquals(idxRow.getInt(6), r.getInt(6));
    }
  }

  @Test
  void anExistingOutputIsKeptWithoutOverwriteAndReplacedWithIt() throws IOException {
    idxAndPngs(tmp, 6);
    String images = "images:" + tmp.resolve("flat");
    Path output = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(output.resolve("keep.txt"), "earlier output");
    CliRun refused = CliRun.of("embed", "--model", modelDir, "--input", images, "--output", output.toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, refused.status(), refused.toString());
    assertEquals("magnet embed: output " + output + " already exists; pass --overwrite to replace it (or --incremental to add new files)",
        refused.err().strip());
    assertEquals(List.of("keep.txt"), list(output), "nothing touched");
    assertFalse(Files.exists(tmp.resolve("out_rejects")));

    Path rejects = Files.createDirectories(tmp.resolve("other-rejects"));
    CliRun refusedRejects = CliRun.of("embed", "--model", modelDir, "--input", images, "--output",
        tmp.resolve("fresh").toString(), "--rejects", rejects.toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, refusedRejects.status(), refusedRejects.toString());
    assertFalse(Files.exists(tmp.resolve("fresh")));

    CliRun foreign = CliRun.of("embed", "--model", modelDir, "--input", images, "--output", output.toString(),
        "--overwrite");
    assertEquals(ExitCodes.BAD_ARGUMENTS, foreign.status(), foreign.toString());
    assertEquals("magnet embed: output file:" + output + ": " + OutputMarker.NOT_MAGNET_OUTPUT, foreign.err().strip());
    assertEquals(List.of("keep.txt"), list(output), "a directory Magnet did not write is never replaced");

    Path earlier = tmp.resolve("earlier");
    assertEquals(ExitCodes.SUCCESS, CliRun.of("embed", "--model", modelDir, "--input", images, "--output",
        earlier.toString()).status());
    Files.writeString(earlier.resolve("keep.txt"), "inside an earlier embedding table");
    CliRun replaced = CliRun.of("embed", "--model", modelDir, "--input", images, "--output", earlier.toString(),
        "--overwrite");
    assertEquals(ExitCodes.SUCCESS, replaced.status(), replaced.toString());
    assertFalse(Files.exists(earlier.resolve("keep.txt")));
    assertEquals(6, session.read().parquet(earlier.toString()).count());
    assertEquals(0, session.read().parquet(earlier + "_rejects").count(), "an empty rejects table is still written");
    assertEquals(Set.of("earlier", "earlier_rejects", "flat", "images.idx", "labels.idx", "out", "other-rejects"),
        new HashSet<>(list(tmp)), "no staging directories are left behind");
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toCollection(ArrayList::new));
    }
  }

  @Test
  void missingModelOrInputExitsWith3AndAnImageInputNeedsAnImageModel() throws IOException {
    String output = tmp.resolve("o").toString();
    CliRun noModel = CliRun.of("embed", "--model", tmp.resolve("nope").toString(), "--input", "images:" + corpus,
        "--output", output);
    assertEquals(ExitCodes.BAD_INPUT, noModel.status(), noModel.toString());
    assertEquals("magnet embed: model directory not found: file:" + tmp.resolve("nope"), noModel.err().strip());

    CliRun noInput = CliRun.of("embed", "--model", modelDir, "--input", "images:" + tmp.resolve("missing"),
        "--output", output);
    assertEquals(ExitCodes.BAD_INPUT, noInput.status(), noInput.toString());
    assertTrue(noInput.err().contains("Path does not exist: file:" + tmp.resolve("missing")), noInput.toString());

    CliRun empty = CliRun.of("embed", "--model", modelDir, "--input",
        "images:" + Files.createDirectories(tmp.resolve("empty")), "--output", output);
    assertEquals(ExitCodes.BAD_INPUT, empty.status(), empty.toString());
    assertTrue(empty.err().contains("no files to embed under " + tmp.resolve("empty")), empty.toString());

    String vectorModel = tmp.resolve("vector-model").toString();
    HadoopModelDirectory.save(TestModels.tiny(), vectorModel, new Configuration(), false);
    CliRun vectors = CliRun.of("embed", "--model", vectorModel, "--input", "images:" + corpus, "--output", output);
    assertEquals(ExitCodes.BAD_ARGUMENTS, vectors.status(), vectors.toString());
    assertTrue(vectors.err().contains("images need a model of image inputs with 1 or 3 channels"), vectors.toString());
    assertFalse(Files.exists(Path.of(output)), "nothing written after an error");
  }

  @Test
  void argumentErrorsExitWith2() {
    for (String[] args : List.of(
        new String[] {"embed", "--model", "m", "--input", "images:", "--output", "o"},
        new String[] {"embed", "--model", "m", "--input", "jpeg:/x", "--output", "o"},
        new String[] {"embed", "--model", "m", "--input", "images:/x", "--output", "o", "--batch-size", "0"},
        new String[] {"embed", "--model", "m", "--input", "images:/x", "--output", "o", "--batch-size", "many"},
        new String[] {"embed", "--model", "m", "--input", "images:/x", "--output", "o", "--rejects", "o"},
        new String[] {"embed", "--model", "m", "--input", "images:/x"})) {
      CliRun run = CliRun.of(args);
      assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), run.toString());
      assertFalse(run.err().contains("\tat "), run.toString());
    }
    assertTrue(CliRun.of("embed", "--model", "m", "--input", "jpeg:/x", "--output", "o").err()
        .contains("Invalid value for option '--input': input must be images:<path>, fashion-mnist"));
    assertTrue(CliRun.of("embed", "--help").out().contains("--rejects=PATH"));
    assertTrue(CliRun.of("embed", "--model", "m", "--input", "images:/x", "--output", "o", "--batch-size", "0").err()
        .contains("--batch-size must be a positive number or auto; batch-size=0"));
  }

  /**
   * Files the job cannot read used to abort it (an I/O error failed the task, and with it the job),
   * a file over the read limit was read whole, and symbolic links were not followed (after a loop
   * had once turned 2 PNG files into 82 rows). Now each unreadable, missing or oversize file is a
   * reject naming why and the job goes on; links are followed, a loop is skipped with a warning,
   * and every file is embedded once.
   */
  @Test
  void unreadableMissingAndOversizeFilesAreRejectsAndLinksAreFollowedWithoutLoops() throws IOException {
    Path root = tmp.resolve("linked");
    writePngs(root, 0, 3);
    Path first = root.resolve("class-" + test.labels()[0]).resolve("00000.png");
    Files.createSymbolicLink(root.resolve("alias.png"), first);
    Files.createSymbolicLink(root.resolve("class-" + test.labels()[0]).resolve("loop"), root);
    writePngs(tmp.resolve("elsewhere"), 3, 4);
    Files.createSymbolicLink(root.resolve("more"), tmp.resolve("elsewhere"));
    Files.createSymbolicLink(root.resolve("dead.png"), tmp.resolve("nowhere.png"));
    Files.createSymbolicLink(root.resolve("self.png"), root.resolve("self.png"));
    try (java.io.RandomAccessFile huge = new java.io.RandomAccessFile(root.resolve("huge.png").toFile(), "rw")) {
      huge.setLength(ImageFiles.MAX_FILE_BYTES + 1); // sparse
    }
    String output = tmp.resolve("linked-out").toString();
    CliRun run = CliRun.of("embed", "--model", modelDir, "--input", "images:" + root, "--output", output);
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.err().contains("magnet embed: warning: not following 1 symbolic link(s) that lead back to a folder"
        + " above them, whose files are listed once under their own path: file:" + first.getParent().resolve("loop")),
        run.toString());
    Set<String> embedded = paths(output);
    assertEquals(Set.of("alias.png", "00000.png", "00001.png", "00002.png", "00003.png"),
        embedded.stream().map(EmbedCommandTest::name).collect(Collectors.toSet()));
    assertEquals(5, embedded.size(), "each file once: " + embedded);
    Map<String, String> rejected = session.read().parquet(output + "_rejects").collectAsList().stream()
        .collect(Collectors.toMap(r -> name(r.getString(0)), r -> r.getString(1) + ": " + r.getString(2)));
    assertEquals("missing: a symbolic link to a file that does not exist", rejected.get("dead.png"));
    assertEquals("too-large: 268435457 bytes is more than the 268435456 a file may have", rejected.get("huge.png"));
    assertTrue(rejected.get("self.png").startsWith("unreadable: Too many levels of symbolic links"), rejected.toString());
    assertEquals(3, rejected.size(), rejected.toString());
    assertTrue(run.out().contains("rejected  3 (missing 1, too-large 1, unreadable 1)"), run.out());
  }

  @Test
  void aFlatFolderIsEmbeddedWithoutLabels() {
    String output = tmp.resolve("counted").toString();
    CliRun run = CliRun.of("embed", "--model", modelDir, "--input", "images:" + corpus.resolve("zebra"), "--output",
        output);
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().contains("read      " + UNKNOWN_FOLDER_IMAGES + " images"), run.out());
    // Without --batch-size the model's own batch: fmnist-cnn's largest layer output is small, so 256.
    assertTrue(run.err().contains("magnet embed: 256 images a forward pass (--batch-size auto)"), run.err());
    assertEquals(UNKNOWN_FOLDER_IMAGES, session.read().parquet(output).count());
    assertTrue(session.read().parquet(output).collectAsList().stream().allMatch(r -> r.isNullAt(7)),
        "files directly under the root have no folder label");
  }

  /** Writes grey PNGs of held-out images {@code from..to-1} into root/class-c/ and returns their count. */
  private static int writePngs(Path root, int from, int to) throws IOException {
    for (int i = from; i < to; i++) {
      Path dir = Files.createDirectories(root.resolve("class-" + test.labels()[i % test.size()]));
      ImageIO.write(grey(pixels(i % test.size()), SIZE), "png", dir.resolve(String.format("%05d.png", i)).toFile());
    }
    return to - from;
  }

  /** Every file under root, as the tables write paths (file: URIs). */
  private static Set<String> files(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(Files::isRegularFile).map(p -> "file:" + p.toAbsolutePath()).collect(Collectors.toSet());
    }
  }

  private Set<String> paths(String table) {
    List<Row> rows = session.read().parquet(table).select("path").collectAsList();
    Set<String> paths = rows.stream().map(r -> r.getString(0)).collect(Collectors.toSet());
    assertEquals(rows.size(), paths.size(), "no path twice in " + table);
    return paths;
  }

  /** Every listed file is in exactly one of the two tables; returns the embeddings table's ids. */
  private Set<Long> assertEachFileOnce(Path root, String output) throws IOException {
    Set<String> embedded = paths(output);
    Set<String> rejected = paths(output + "_rejects");
    Set<String> both = new HashSet<>(embedded);
    both.retainAll(rejected);
    assertEquals(Set.of(), both, "no file in both tables");
    Set<String> union = new HashSet<>(embedded);
    union.addAll(rejected);
    assertEquals(files(root), union, "every file in one of the tables");
    List<Row> ids = session.read().parquet(output).select("id").collectAsList();
    Set<Long> unique = ids.stream().map(r -> r.getLong(0)).collect(Collectors.toSet());
    assertEquals(ids.size(), unique.size(), "ids are unique");
    return unique;
  }

  @Test
  void everyFileIsInOneTableAndAnIncrementalRunEmbedsOnlyNewAndChangedFiles() throws IOException {
    Path root = tmp.resolve("growing");
    int first = writePngs(root, 0, 300);
    Files.write(root.resolve("class-0").resolve("empty.png"), new byte[0]);
    Files.writeString(root.resolve("class-1").resolve("notes.png"), "not an image", StandardCharsets.UTF_8);
    String output = tmp.resolve("growing-embeddings").toString();
    CliRun full = CliRun.of("embed", "--model", modelDir, "--input", "images:" + root, "--output", output,
        "--batch-size", "64");
    assertEquals(ExitCodes.SUCCESS, full.status(), full.toString());
    assertTrue(full.out().contains("read      " + (first + 2) + " images"), full.out());
    Set<Long> firstIds = assertEachFileOnce(root, output);

    int added = writePngs(root, 300, 340);
    Files.write(root.resolve("class-2").resolve("truncated.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26,
        10, 0, 0});
    Path changed = root.resolve("class-" + test.labels()[7]).resolve("00007.png");
    ImageIO.write(grey(pixels(8), SIZE), "png", changed.toFile());
    Files.setLastModifiedTime(changed, java.nio.file.attribute.FileTime.fromMillis(
        Files.getLastModifiedTime(changed).toMillis() + 60_000));
    CliRun incremental = CliRun.of("embed", "--model", modelDir, "--input", "images:" + root, "--output", output,
        "--incremental", "--batch-size", "64");
    assertEquals(ExitCodes.SUCCESS, incremental.status(), incremental.toString());
    assertTrue(incremental.out().contains("skipped   " + (first + 2 - 1) + " images already in the tables, unchanged ("
        + (first + 2 - 1) + " earlier rows kept)"), incremental.out());
    assertTrue(incremental.out().contains("read      " + (added + 2) + " images"), incremental.out());
    assertTrue(incremental.out().contains("embedded  " + (added + 1) + " in"), incremental.out());
    Set<Long> ids = assertEachFileOnce(root, output);
    assertEquals(first + added, ids.size(), "the changed file is embedded once, not twice");
    assertTrue(ids.stream().filter(id -> !firstIds.contains(id)).allMatch(id -> id > firstIds.stream()
        .mapToLong(Long::longValue).max().orElseThrow()), "new ids follow the earlier ones");
    Row again = session.read().parquet(output).where("path = 'file:" + changed.toAbsolutePath() + "'").first();
    assertTrue(ids.contains(again.getLong(0)) && !firstIds.contains(again.getLong(0)), "the changed file's row is new");

    CliRun nothing = CliRun.of("embed", "--model", modelDir, "--input", "images:" + root, "--output", output,
        "--incremental");
    assertEquals(ExitCodes.SUCCESS, nothing.status(), nothing.toString());
    assertTrue(nothing.out().contains("read      0 images"), nothing.out());
    assertEquals(ids, assertEachFileOnce(root, output), "a run with nothing new changes nothing");
    assertEquals(Set.of("class-0", "class-1", "class-2"), new HashSet<>(list(root)));
    assertTrue(list(tmp).stream().noneMatch(n -> n.startsWith(".")), "no staging directories left: " + list(tmp));
  }

  @Test
  void anIncrementalRunRefusesATableOfAnotherModel() throws IOException {
    idxAndPngs(tmp, 6);
    String images = "images:" + tmp.resolve("flat");
    String output = tmp.resolve("other-model").toString();
    assertEquals(ExitCodes.SUCCESS, CliRun.of("embed", "--model", modelDir, "--input", images, "--output", output)
        .status());
    String otherModel = tmp.resolve("model-2").toString();
    MagnetParams params = MagnetParams.defaults().withClusters(2, 4, 4).withEpochs(1).withSeed(4);
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.image(1, SIZE, SIZE)).withEmbeddingDim(16)
        .withHiddenSizes(List.of(32));
    HadoopModelDirectory.save(new LocalMagnetTrainer(params, spec).train(test, epoch -> { }).model(), otherModel,
        new Configuration(), false);
    CliRun refused = CliRun.of("embed", "--model", otherModel, "--input", images, "--output", output, "--incremental");
    assertEquals(ExitCodes.BAD_ARGUMENTS, refused.status(), refused.toString());
    assertTrue(refused.err().contains("--incremental appends to a table of the same model"), refused.err());
  }

  @Test
  void killingTheJobMidwayLeavesThePreviousOutputIntact() throws Exception {
    Path small = tmp.resolve("small");
    writePngs(small, 0, 50);
    String output = tmp.resolve("kept").toString();
    assertEquals(ExitCodes.SUCCESS, CliRun.of("embed", "--model", modelDir, "--input", "images:" + small, "--output",
        output).status());
    List<Row> before = session.read().parquet(output).sort("id").collectAsList();
    Path big = tmp.resolve("big");
    writePngs(big, 0, 3000);
    List<String> command = new ArrayList<>(dev.magnet.spark.bench.BenchRunner.childJvm(MagnetCli.class.getName()));
    command.addAll(List.of("embed", "--master", "local[2]", "--model", modelDir, "--input", "images:" + big,
        "--output", output, "--overwrite", "--batch-size", "8"));
    Process child = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    boolean killedMidway = false;
    try (var err = new java.io.BufferedReader(new java.io.InputStreamReader(child.getErrorStream(),
        StandardCharsets.UTF_8))) {
      for (String line = err.readLine(); line != null; line = err.readLine()) {
        if (line.startsWith("embed: ") && !line.startsWith("embed: 100%")) {
          child.destroyForcibly();
          killedMidway = true;
          break;
        }
      }
    } finally {
      child.destroyForcibly();
      child.waitFor();
    }
    assertTrue(killedMidway, "the child was killed while it embedded (after its first progress line)");
    assertEquals(before, session.read().parquet(output).sort("id").collectAsList(), "the earlier table is intact");
    assertEquals(50, paths(output).size());
  }
}
