package dev.magnet.spark.cli;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code magnet demo [DIR]}: the whole product on generated data, in a few minutes on 2 cores.
 *
 * <p>It writes a data set whose classes each hide sub-classes (28×28 images from
 * {@link SyntheticData#images}) as IDX files with the sub-class as the label, plus a
 * fine→coarse map; then runs the real commands on them in one Spark session, exactly as a user
 * would type them: {@code train} on the coarse classes (hierarchy recovery, docs/design.md, "Evaluation") with a
 * validation set, {@code evaluate} against the hidden sub-classes with a report, and {@code embed}
 * of the held-out images written as a folder tree of PNG files, with a few damaged files among
 * them that end in the rejects table. The commands it ran are printed, so each step can be
 * repeated by hand.
 *
 * <p>DIR is the demo's own: a directory that exists is reused only if an earlier demo made it
 * (it holds {@value #MARKER}); anything else there is refused, so the demo never overwrites a
 * user's files.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
    description = {"Train, evaluate and embed on generated images with hidden sub-classes, and write a report.",
        "Runs the train, evaluate and embed commands on files it writes to DIR, and prints each command."})
public final class DemoCommand implements Callable<Integer> {
  /** The file that marks a directory as the demo's own. */
  static final String MARKER = ".magnet-demo";
  /** Coarse classes and hidden sub-classes per class of the generated data. */
  static final int CLASSES = 5;
  static final int SUBCLASSES = 3;

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", defaultValue = "out/demo",
      description = "Where everything goes (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "3", description = "Training epochs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--per-subclass", paramLabel = "N", defaultValue = "240",
      description = "Generated images per hidden sub-class, a sixth of them held out (default: ${DEFAULT-VALUE}).")
  int perSubclass;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "2026", description = "Seed of data and training (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    if (epochs < 1 || perSubclass < 6) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS,
          "--epochs must be at least 1 and --per-subclass at least 6; epochs=" + epochs + " per-subclass=" + perSubclass);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    claim(dir);
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve(MARKER), "written by magnet demo\n", StandardCharsets.UTF_8);

    LabelledDataset all = SyntheticData.images(CLASSES, SUBCLASSES, perSubclass, 28, seed);
    int trainSize = all.size() * 5 / 6;
    LabelledDataset train = all.subset(IntStream.range(0, trainSize).toArray());
    LabelledDataset test = all.subset(IntStream.range(trainSize, all.size()).toArray());
    String trainSpec = writeIdx(data, "train", train);
    String testSpec = writeIdx(data, "test", test);
    Path map = data.resolve("fine-to-coarse.txt");
    writeMap(map);
    Path images = dir.resolve("images");
    int damaged = writeImages(images, test);
    out.printf(Locale.ROOT, "magnet demo: %d training and %d held-out 28x28 images; %d classes, each hiding %d sub-classes"
        + " that training never sees%n", train.size(), test.size(), CLASSES, SUBCLASSES);

    String model = dir.resolve("model").toString();
    String evaluation = dir.resolve("evaluation").toString();
    String embeddings = dir.resolve("embeddings").toString();
    List<List<String>> steps = List.of(
        List.of("train", "--data", trainSpec, "--validation", testSpec, "--coarse", map.toString(),
            "--network", "fmnist-cnn", "--epochs", String.valueOf(epochs), "-K", String.valueOf(SUBCLASSES),
            "--seed", String.valueOf(seed), "--output", model, "--overwrite"),
        List.of("evaluate", "--model", model, "--data", testSpec, "--train-data", trainSpec,
            "--fine-labels-from", map.toString(), "--json", evaluation + "/metrics.json", "--report", evaluation + "/report"),
        List.of("embed", "--model", model, "--input", "images:" + images, "--output", embeddings, "--overwrite"));
    try (SparkOptions.Session session = spark.session("magnet demo")) {
      for (List<String> step : steps) {
        out.println();
        out.println("$ ./spark-submit " + String.join(" ", step));
        out.flush();
        CommandLine command = MagnetCli.commandLine(out, err);
        int status = command.execute(step.toArray(String[]::new));
        if (status != ExitCodes.SUCCESS) {
          err.println("demo: '" + step.get(0) + "' failed with exit status " + status + "; everything it wrote so far is in " + dir);
          return status;
        }
      }
    }
    out.println();
    out.println("demo finished; everything is in " + dir.toAbsolutePath());
    out.println("  model:          " + Path.of(model).toAbsolutePath() + "  (metrics.json, report/index.html inside)");
    out.println("  evaluation:     " + Path.of(evaluation).toAbsolutePath() + "  (metrics.json, report/index.html)");
    out.println("  embeddings:     " + Path.of(embeddings).toAbsolutePath() + "  (Parquet; rejects: "
        + Path.of(embeddings + "_rejects").toAbsolutePath() + ", " + damaged + " damaged files planted)");
    out.println("  generated data: " + data.toAbsolutePath() + ", images: " + images.toAbsolutePath());
    return ExitCodes.SUCCESS;
  }

  /** Refuses a directory the demo did not make; creates it otherwise. */
  private static void claim(Path dir) throws IOException {
    if (Files.exists(dir) && !Files.exists(dir.resolve(MARKER))) {
      try (var entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          throw new JobException(ExitCodes.BAD_ARGUMENTS, "demo directory exists and was not written by the demo;"
              + " choose another DIR or empty it: " + dir.toAbsolutePath());
        }
      }
    }
    Files.createDirectories(dir);
  }

  /** Writes images and sub-class labels as IDX; returns the CLI's spelling of the pair. */
  static String writeIdx(Path data, String name, LabelledDataset set) throws IOException {
    Path imagesFile = data.resolve(name + "-images.idx");
    Path labelsFile = data.resolve(name + "-labels.idx");
    IdxWriter.writeImages(imagesFile, set.features(), IdxWriter.Compression.NONE);
    IdxWriter.writeLabels(labelsFile, set.fineLabels(), IdxWriter.Compression.NONE);
    return "idx:" + imagesFile + "," + labelsFile;
  }

  /** The sub-class → class map in {@code HierarchyMap}'s text form. */
  private static void writeMap(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# hidden sub-class -> class of the generated demo data (fine coarse)");
    for (int fine = 0; fine < CLASSES * SUBCLASSES; fine++) {
      lines.add(fine + " " + fine / SUBCLASSES);
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /**
   * Writes the held-out images as {@code images/coarse-<c>/<i>.png}, the names a map file gives
   * the classes, plus damaged files that {@code embed} must reject; returns how many are damaged.
   */
  private static int writeImages(Path root, LabelledDataset set) throws IOException {
    float[] pixels = set.features().ravel().toFloatVector();
    int size = (int) set.featureShape()[set.featureShape().length - 1];
    int[] labels = set.labels();
    for (int i = 0; i < set.size(); i++) {
      BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int v = Math.round(pixels[i * size * size + y * size + x] * 255f);
          image.getRaster().setSample(x, y, 0, v);
        }
      }
      Path file = Files.createDirectories(root.resolve("coarse-" + labels[i])).resolve(String.format(Locale.ROOT, "%05d.png", i));
      if (!ImageIO.write(image, "png", file.toFile())) {
        throw new UncheckedIOException(new IOException("no PNG writer in this JVM"));
      }
    }
    Path first = root.resolve("coarse-0");
    Path sample;
    try (var files = Files.list(first)) {
      sample = files.sorted().findFirst().orElseThrow();
    }
    byte[] png = Files.readAllBytes(sample);
    Files.write(first.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
    Files.writeString(first.resolve("notes.png"), "not an image\n", StandardCharsets.UTF_8);
    Files.write(first.resolve("empty.jpg"), new byte[0]);
    return 3;
  }
}
