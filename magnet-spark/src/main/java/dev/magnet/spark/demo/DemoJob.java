package dev.magnet.spark.demo;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.nn.Architecture;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.embed.EmbedArgs;
import dev.magnet.spark.embed.EmbedJob;
import dev.magnet.spark.embed.EmbedRequest;
import dev.magnet.spark.evaluate.EvaluateArgs;
import dev.magnet.spark.evaluate.EvaluateRequest;
import dev.magnet.spark.evaluate.EvaluationJob;
import dev.magnet.spark.train.ImageOptions;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainJob;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.Arguments;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
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
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/**
 * The demo: the whole product on generated data, in a few minutes on 2 cores.
 *
 * <p>It writes 28x28 images whose classes each hide sub-classes ({@link SyntheticData#images}) as
 * PNG folder trees {@code images/train/coarse-<c>/} and {@code images/test/coarse-<c>/}, with a few
 * damaged files in each, a {@code --labels} CSV naming every file's hidden sub-class, and the
 * sub-class → class map. Then it runs the real jobs in one Spark session, from typed requests
 * printed as the commands that do the same by hand: {@code train} on the image folder, by
 * sub-class relabelled to the classes (hierarchy recovery, docs/design.md, "Evaluation"), with the
 * held-out folder as validation (the damaged files end in {@code model/rejects}); {@code evaluate}
 * against the hidden sub-classes with a report; and {@code embed} of the held-out folder, whose
 * folders name the model's classes (its damaged files end in the embedding's rejects table).
 *
 * <p>The directory is the demo's own: one that exists is reused only if an earlier demo made it
 * (it holds {@value #MARKER}); anything else there is refused, so the demo never overwrites a
 * user's files.
 */
public final class DemoJob extends SparkJob {
  /** The file that marks a directory as the demo's own. */
  public static final String MARKER = ".magnet-demo";
  /** Coarse classes and hidden sub-classes per class of the generated data. */
  static final int CLASSES = 5;
  static final int SUBCLASSES = 3;
  /** The generated images' side. */
  static final int SIDE = 28;
  /** Damaged files planted in each folder tree: truncated, not an image, empty. */
  static final int DAMAGED = 3;

  public DemoJob(SparkSession session, PrintWriter out, PrintWriter err) {
    super(session, out, err);
  }

  /** Where the demo's files go. */
  record Layout(Path dir) {
    Path data() {
      return dir.resolve("data");
    }

    Path images(String split) {
      return dir.resolve("images").resolve(split);
    }

    Path labels() {
      return data().resolve("sub-classes.csv");
    }

    Path map() {
      return data().resolve("fine-to-coarse.txt");
    }

    String model() {
      return dir.resolve("model").toString();
    }

    String evaluation() {
      return dir.resolve("evaluation").toString();
    }

    String embeddings() {
      return dir.resolve("embeddings").toString();
    }
  }

  /** The train request of the demo. */
  static TrainRequest trainRequest(Layout layout, DemoRequest request) {
    TrainRequest train = TrainRequest.of(images(layout, "train"), layout.model())
        .withData(images(layout, "train"), images(layout, "test"))
        .withCoarse(layout.map().toString())
        .withImages(ImageOptions.defaults().withLabels(layout.labels().toString()))
        .withOutput(layout.model(), true);
    return train.withParams(train.params().withEpochs(request.epochs()).withSeed(request.seed())
            .withClusters(SUBCLASSES, train.params().clustersPerBatch(), train.params().examplesPerCluster()))
        .withNetwork(train.network().withArchitecture(Architecture.FMNIST_CNN));
  }

  /** The evaluate request of the demo: the held-out images against the hidden sub-classes. */
  static EvaluateRequest evaluateRequest(Layout layout) {
    return new EvaluateRequest(layout.model(), images(layout, "test"), images(layout, "train"),
        layout.map().toString(), null, layout.evaluation() + "/metrics.json", layout.evaluation() + "/report", Map.of(),
        EvaluateRequest.DEFAULT_DRIVER_BUDGET, layout.labels().toString());
  }

  /** The embed request of the demo: the held-out folder, whose folders name the model's classes. */
  static EmbedRequest embedRequest(Layout layout) {
    return EmbedRequest.of(layout.model(), images(layout, "test"), layout.embeddings()).withOverwrite(true);
  }

  private static DataSource images(Layout layout, String split) {
    return DataSource.parse(DataSource.IMAGES_PREFIX + layout.images(split));
  }

  /** Writes the data, runs the three jobs, and says where everything is; the first failing job's status ends it. */
  public int run(DemoRequest request) throws IOException {
    Layout layout = new Layout(request.dir());
    claim(request.dir());
    Files.createDirectories(layout.data());
    Files.writeString(request.dir().resolve(MARKER), "written by magnet demo\n", StandardCharsets.UTF_8);
    LabelledDataset all = SyntheticData.images(CLASSES, SUBCLASSES, request.perSubclass(), SIDE, request.seed());
    int trainSize = all.size() * 5 / 6;
    LabelledDataset train = all.subset(IntStream.range(0, trainSize).toArray());
    LabelledDataset test = all.subset(IntStream.range(trainSize, all.size()).toArray());
    List<String> labels = new ArrayList<>(List.of("path,label"));
    writeImages(layout.images("train"), train, labels);
    writeImages(layout.images("test"), test, labels);
    Files.write(layout.labels(), labels, StandardCharsets.UTF_8);
    writeMap(layout.map());
    out.printf(Locale.ROOT, "magnet demo: %d training and %d held-out %dx%d PNG images (and %d damaged files in each"
        + " folder); %d classes, each hiding %d sub-classes that training never sees%n", train.size(), test.size(),
        SIDE, SIDE, DAMAGED, CLASSES, SUBCLASSES);

    TrainRequest trainRequest = trainRequest(layout, request);
    EvaluateRequest evaluateRequest = evaluateRequest(layout);
    EmbedRequest embedRequest = embedRequest(layout);
    List<Step> steps = List.of(
        new Step(trainRequest.toArgs(), () -> new TrainJob(session, out, err).run(trainRequest)),
        new Step(evaluateRequest.toArgs(), () -> new EvaluationJob(session, out).run(evaluateRequest)),
        new Step(embedRequest.toArgs(), () -> new EmbedJob(session, out, err).run(embedRequest)));
    for (Step step : steps) {
      out.println();
      out.println("$ " + Arguments.shell(step.args()));
      out.flush();
      int status = JobException.run("magnet " + step.args().get(0), err, step.job());
      out.flush();
      if (status != ExitCodes.SUCCESS) {
        err.println("demo: '" + step.args().get(0) + "' failed with exit status " + status
            + "; everything it wrote so far is in " + request.dir());
        return status;
      }
    }
    out.println();
    out.println("demo finished; everything is in " + request.dir().toAbsolutePath());
    out.println("  model:          " + Path.of(layout.model()).toAbsolutePath() + "  (metrics.json, report/index.html,"
        + " rejects inside)");
    out.println("  evaluation:     " + Path.of(layout.evaluation()).toAbsolutePath() + "  (metrics.json, report/index.html)");
    out.println("  embeddings:     " + Path.of(layout.embeddings()).toAbsolutePath() + "  (Parquet; rejects: "
        + Path.of(embedRequest.rejectsPath()).toAbsolutePath() + ")");
    out.println("  generated data: " + layout.images("train").getParent().toAbsolutePath() + " (PNG folders), "
        + layout.data().toAbsolutePath() + " (labels, class map)");
    return ExitCodes.SUCCESS;
  }

  /** A job to run, with the command line that runs it by hand. */
  private record Step(List<String> args, IntSupplier job) {}

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

  /** The sub-class → class map in {@code HierarchyMap}'s text form; sub-class k is the label "sub-k", k zero-padded. */
  private static void writeMap(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# hidden sub-class -> class of the generated demo data (fine coarse), fine ids in the order of the"
        + " sub-classes' labels");
    for (int fine = 0; fine < CLASSES * SUBCLASSES; fine++) {
      lines.add(fine + " " + fine / SUBCLASSES);
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  /** The label of a hidden sub-class: zero-padded, so that sorting the labels keeps the ids' order. */
  static String subclassLabel(int fine) {
    return String.format(Locale.ROOT, "sub-%02d", fine);
  }

  /**
   * Writes the images as {@code root/coarse-<c>/<i>.png}, the names the map file gives the classes,
   * plus {@value #DAMAGED} damaged files, and adds a {@code path,label} row for each to
   * {@code labels}, the damaged ones under their folder's first sub-class.
   */
  private static void writeImages(Path root, LabelledDataset set, List<String> labels) throws IOException {
    float[] pixels = set.features().ravel().toFloatVector();
    int[] classes = set.labels();
    int[] fine = set.fineLabels();
    for (int i = 0; i < set.size(); i++) {
      BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
      for (int y = 0; y < SIDE; y++) {
        for (int x = 0; x < SIDE; x++) {
          image.getRaster().setSample(x, y, 0, Math.round(pixels[i * SIDE * SIDE + y * SIDE + x] * 255f));
        }
      }
      Path file = Files.createDirectories(root.resolve("coarse-" + classes[i]))
          .resolve(String.format(Locale.ROOT, "%05d.png", i));
      if (!ImageIO.write(image, "png", file.toFile())) {
        throw new UncheckedIOException(new IOException("no PNG writer in this JVM"));
      }
      labels.add(file.toAbsolutePath() + "," + subclassLabel(fine[i]));
    }
    Path first = root.resolve("coarse-0");
    Path sample;
    try (var files = Files.list(first)) {
      sample = files.sorted().findFirst().orElseThrow();
    }
    byte[] png = Files.readAllBytes(sample);
    List<Path> damaged = List.of(
        Files.write(first.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2)),
        Files.writeString(first.resolve("notes.png"), "not an image\n", StandardCharsets.UTF_8),
        Files.write(first.resolve("empty.jpg"), new byte[0]));
    for (Path file : damaged) {
      labels.add(file.toAbsolutePath() + "," + subclassLabel(0));
    }
  }
}
