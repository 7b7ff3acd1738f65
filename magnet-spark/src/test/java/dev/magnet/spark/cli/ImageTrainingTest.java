package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.core.data.TestImages;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.Architecture;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} on image folders through the CLI: a grey PNG tree with every kind of bad file
 * (each in {@code <model>/rejects}, counted in metrics.json, and every file either trained on or
 * rejected), an RGB JPEG tree on {@code resnet-small} with crop-flip augmentation that {@code embed}
 * then embeds, and the bad inputs that stop a run (exit 3) or are refused as arguments (exit 2).
 */
class ImageTrainingTest {
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  static Path tmp;

  private static long files(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).count();
    }
  }

  @Test
  void aPngFolderTrainsAndEveryFileIsTrainedOnOrRejectedWithItsReason() throws IOException {
    Path train = tmp.resolve("png/train");
    Path validation = tmp.resolve("png/validation");
    TestImages.writeClasses(train, 3, 16, 16, 16, false, "png", 1);
    TestImages.writeBadFiles(train.resolve("class-1"));
    TestImages.writeClasses(validation, 3, 4, 16, 16, false, "png", 2);
    TestImages.writeBadFiles(validation.resolve("class-2"));
    String model = tmp.resolve("png/model").toString();
    CliRun run = CliRun.of("train", "--data", "images:" + train, "--validation", "images:" + validation,
        "--embedding-dim", "8", "-K", "2", "-M", "4", "-D", "4", "--epochs", "1", "--seed", "3", "--no-report",
        "--output", model);
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().contains("images:" + train + ": 48 of 52 inputs decoded to 1x16x16"), run.out());

    Map<String, Double> summary = MetricsJson.read(model + "/" + MetricsJson.FILE_NAME,
        session.sparkContext().hadoopConfiguration()).summary();
    assertEquals(files(train), summary.get("image_files"));
    assertEquals(4.0, summary.get("rejected_files"));
    assertEquals(summary.get("image_files"), summary.get("train_examples") + summary.get("rejected_files"),
        "every file is trained on or rejected");
    assertEquals(1.0, summary.get("rejected_too_large"));
    assertEquals(4.0, summary.get("validation_rejected_files"));
    assertTrue(summary.get("decode_seconds") > 0);
    assertTrue(summary.containsKey("knn1_accuracy"));

    List<Row> rejects = session.read().parquet(model + "/rejects").collectAsList();
    Map<String, String> reasons = new TreeMap<>();
    for (Row r : rejects) {
      Path file = Path.of(r.getString(0).replace("file:", ""));
      reasons.put(file.getParent().getParent().getFileName() + "/" + file.getFileName(), r.getString(1));
    }
    Map<String, String> expected = new TreeMap<>();
    TestImages.BAD_FILES.forEach((name, reason) -> {
      expected.put("train/" + name, reason);
      expected.put("validation/" + name, reason);
    });
    assertEquals(expected, reasons);

    ModelArtifact artifact = HadoopModelDirectory.load(model, session.sparkContext().hadoopConfiguration());
    assertEquals(ImagePreprocessing.of(1, 16, 16), artifact.preprocessing());
    assertEquals(List.of("class-0", "class-1", "class-2"), artifact.labelNames());
    assertEquals(48, artifact.provenance().trainingExamples());
  }

  @Test
  void resnetSmallTrainsOnRgbJpegsWithCropFlipAndItsModelEmbedsTheFolder() throws IOException {
    Path train = tmp.resolve("rgb/train");
    TestImages.writeClasses(train, 2, 12, 80, 72, true, "jpeg", 4);
    String model = tmp.resolve("rgb/model").toString();
    CliRun run = CliRun.of("train", "--data", "images:" + train, "--network", "resnet-small", "--image-size", "64",
        "--channels", "3", "--augment", "crop-flip", "--embedding-dim", "8", "-K", "2", "-M", "2", "-D", "4",
        "--epochs", "1", "--seed", "5", "--no-report", "--output", model);
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    ModelArtifact artifact = HadoopModelDirectory.load(model, session.sparkContext().hadoopConfiguration());
    assertEquals(ImagePreprocessing.of(3, 64, 64).withAugmentation(Augmentation.CROP_FLIP), artifact.preprocessing());
    assertEquals(Architecture.RESNET_SMALL, artifact.networkSpec().architecture());
    assertEquals(0L, session.read().parquet(model + "/rejects").count(), "an empty rejects table when none failed");

    String embeddings = tmp.resolve("rgb/embeddings").toString();
    CliRun embed = CliRun.of("embed", "--model", model, "--input", "images:" + train, "--output", embeddings);
    assertEquals(ExitCodes.SUCCESS, embed.status(), embed.toString());
    List<Row> rows = session.read().parquet(embeddings).select("label", "embedding").collectAsList();
    assertEquals(24, rows.size());
    assertTrue(rows.stream().allMatch(r -> r.getString(0) != null && r.getList(1).size() == 8), rows.toString());
  }

  @Test
  void aClassWithTooFewUsableImagesIsBadInputNamingIt() throws IOException {
    Path train = tmp.resolve("small-class");
    TestImages.writeClasses(train, 2, 8, 8, 8, false, "png", 6);
    Path small = Files.createDirectories(train.resolve("rare"));
    for (int i = 0; i < 2; i++) {
      Files.write(small.resolve(i + ".png"), TestImages.encode(TestImages.classImage(2, i, 8, 8, false, 6), "png"));
    }
    TestImages.writeBadFiles(small);
    CliRun run = CliRun.of("train", "--data", "images:" + train, "--network", "mlp", "--epochs", "1",
        "--output", tmp.resolve("small-model").toString());
    assertEquals(ExitCodes.BAD_INPUT, run.status(), run.toString());
    assertTrue(run.err().contains("classes with fewer usable images than 4, what magnet draws of a class (one"
        + " cluster's -D): rare (2) in " + train + "; 4 inputs were rejected"), run.err());
    assertTrue(Files.notExists(tmp.resolve("small-model")), "nothing is written");
  }

  @Test
  void aFolderWithoutImagesIsBadInputNamingThePath() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("no-images/sub"));
    CliRun run = CliRun.of("train", "--data", "images:" + empty.getParent(), "--output",
        tmp.resolve("none").toString());
    assertEquals(ExitCodes.BAD_INPUT, run.status(), run.toString());
    assertTrue(run.err().contains("no image files under file:" + empty.getParent()), run.err());

    Path bad = tmp.resolve("only-bad");
    TestImages.writeBadFiles(bad.resolve("a"));
    TestImages.writeBadFiles(bad.resolve("b"));
    CliRun unusable = CliRun.of("train", "--data", "images:" + bad, "--output", tmp.resolve("none").toString());
    assertEquals(ExitCodes.BAD_INPUT, unusable.status(), unusable.toString());
    assertTrue(unusable.err().contains("no usable images in " + bad + ": all 8 inputs were rejected"), unusable.err());
  }

  @Test
  void imageOptionsOutOfPlaceAreBadArguments() {
    String out = tmp.resolve("unused").toString();
    Map<List<String>, String> cases = Map.of(
        List.of("--data", "images:/x", "--channels", "2"), "--channels must be 1 (grey) or 3 (RGB); channels=2",
        List.of("--data", "images:/x", "--image-size", "0x5"), "image size must be positive",
        List.of("--data", "fashion-mnist", "--image-size", "32"), "--image-size and --channels apply to image files",
        List.of("--data", "synthetic", "--augment", "flip"), "--augment needs 8-bit images",
        List.of("--data", "idx:a,b", "--labels", "l.csv"), "--labels names the classes of image folders",
        List.of("--data", "images:/x", "--augment", "rotate"), "'rotate' is not one of none, flip, crop-flip");
    cases.forEach((args, message) -> {
      List<String> all = new java.util.ArrayList<>(List.of("train", "--output", out));
      all.addAll(args);
      CliRun run = CliRun.of(all.toArray(String[]::new));
      assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), args + "\n" + run);
      assertTrue(run.err().contains(message), args + ": expected '" + message + "' in\n" + run);
    });
  }

  @Test
  void aLimitReadsThatManyFilesOfAnImageFolder() throws IOException {
    Path root = tmp.resolve("limit");
    TestImages.writeClasses(root, 2, 10, 8, 8, false, "png", 8);
    CliRun run = CliRun.of("train", "--data", "images:" + root, "--limit", "12", "--network", "mlp", "--epochs", "1",
        "--embedding-dim", "4", "-K", "1", "-M", "2", "-D", "4", "--no-report", "--output",
        tmp.resolve("limit-model").toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(run.out().contains("12 of 12 inputs decoded"), run.out());
  }
}
