package dev.magnet.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.loss.MagnetLoss;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.Provenance;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.Head;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.embed.EmbedRequest;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.apache.hadoop.conf.Configuration;

/**
 * {@code bench --corpus images:DIR}: {@code embed} against the PyTorch folder loader
 * ({@value #DEFAULT_PEER}: a {@code DataLoader} with PIL decoding in worker processes) on the same
 * folder, in one sitting: the yardstick, then {@code embed} in a JVM of its own on local[N] with
 * one native thread per task, then the yardstick again (a gap between its two figures shows a
 * change of load). Both embed with the same network and untrained weights (the cost does not
 * depend on them): {@code fmnist-cnn} on 1x28x28, or {@code resnet-small} on 3 channels at the
 * size of the corpus's first image. Reported: images/s in the job (Magnet: the summary's
 * embedding seconds, listing and both tables' writing included; the yardstick: its own seconds,
 * listing and network set-up included) and for the whole command (JVM or Python start included),
 * peak RSS, and the ratios Magnet / yardstick (the yardstick's figure is the mean of its two runs).
 */
public final class CorpusBench {
  /** The yardstick, against the working directory. */
  public static final String DEFAULT_PEER = "../shared/peers/torch_embed_folder.py";
  /** Seed of the untrained model's weights and centroids. */
  static final long SEED = 42;
  /** Clusters per class of the untrained model's index, the training default K. */
  static final int CLUSTERS_PER_CLASS = 8;

  private static final Pattern EMBEDDED = Pattern.compile("embedded\\s+(\\d+) in ([0-9.]+) s .*?([0-9.]+) CPU s");
  private static final Pattern READ = Pattern.compile("read\\s+(\\d+) images");

  /**
   * What to run.
   *
   * @param corpus the image folder
   * @param network fmnist-cnn or resnet-small
   * @param cores Magnet's local[N] and the yardstick's workers
   * @param python the Python that runs the yardstick
   * @param peer the yardstick script, or null to run Magnet only
   * @param childJvm the java command line of a {@code ./spark-submit} JVM, without the command
   */
  public record Settings(Path corpus, Architecture network, int cores, Path python, Path peer, List<String> childJvm) {
    public Settings {
      Objects.requireNonNull(corpus, "corpus");
      if (!Files.isDirectory(corpus)) {
        throw new IllegalArgumentException("--corpus must be images:<local folder>; not a folder: " + corpus);
      }
      if (network != Architecture.FMNIST_CNN && network != Architecture.RESNET_SMALL) {
        throw new IllegalArgumentException("--corpus-network must be fmnist-cnn or resnet-small; network=" + network);
      }
      if (cores < 1) {
        throw new IllegalArgumentException("--cores must be positive; cores=" + cores);
      }
      childJvm = List.copyOf(childJvm);
    }
  }

  /** One embed run's figures: as printed in its summary, and measured around it. */
  record Figures(String name, long images, double jobSeconds, double cpuSeconds, ChildRun run) {
    double jobRate() {
      return images / jobSeconds;
    }

    double commandRate() {
      return images / run.wallSeconds();
    }
  }

  private CorpusBench() {}

  /**
   * Runs the section, prints its table and writes {@code corpus.md} and {@code corpus.json} into
   * {@code output} (claimed as the bench claims it: a non-empty one only with {@code overwrite}).
   *
   * @return the exit status
   */
  public static int run(Settings settings, Path output, boolean overwrite, PrintWriter out)
      throws IOException, InterruptedException {
    Path dir = BenchRunner.claim(output.toAbsolutePath().normalize(), overwrite);
    InputShape shape = shape(settings.network(), settings.corpus());
    Path model = dir.resolve("model-" + spelling(settings.network()));
    HadoopModelDirectory.save(untrained(settings.network(), shape, classes(settings.corpus())), model.toString(),
        new Configuration(), true);
    List<Figures> peers = new ArrayList<>();
    if (settings.peer() != null) {
      peers.add(peer("peer-1", settings, shape, dir, out));
    }
    Figures magnet = magnet(settings, model, dir, out);
    if (settings.peer() != null) {
      peers.add(peer("peer-2", settings, shape, dir, out));
    }
    String table = table(settings, shape, magnet, peers);
    Files.writeString(dir.resolve("corpus.md"), table, StandardCharsets.UTF_8);
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("corpus", settings.corpus().toString());
    raw.put("network", spelling(settings.network()));
    raw.put("input", shape.toString());
    raw.put("cores", settings.cores());
    List<Map<String, Object>> runs = new ArrayList<>();
    for (Figures f : concat(magnet, peers)) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("name", f.name());
      r.put("command", f.run().command());
      r.put("images", f.images());
      r.put("job_s", f.jobSeconds());
      r.put("cpu_s", Double.isNaN(f.cpuSeconds()) ? null : f.cpuSeconds());
      r.put("wall_s", f.run().wallSeconds());
      r.put("peak_rss_bytes", f.run().hasPeakRss() ? f.run().peakRssBytes() : null);
      runs.add(r);
    }
    raw.put("runs", runs);
    Files.writeString(dir.resolve("corpus.json"),
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(raw), StandardCharsets.UTF_8);
    out.println();
    out.print(table);
    out.println("bench: wrote " + dir.resolve("corpus.md") + " and " + dir.resolve("corpus.json"));
    return ExitCodes.SUCCESS;
  }

  private static List<Figures> concat(Figures first, List<Figures> rest) {
    List<Figures> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all;
  }

  /** The network's input for the corpus: fmnist-cnn's 1x28x28, or 3 channels at the first image's size. */
  static InputShape shape(Architecture network, Path corpus) throws IOException {
    if (network == Architecture.FMNIST_CNN) {
      return InputShape.FASHION_MNIST;
    }
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
          var readers = in == null ? null : ImageIO.getImageReaders(in);
          if (readers != null && readers.hasNext()) {
            ImageReader reader = readers.next();
            try {
              reader.setInput(in);
              return InputShape.image(3, reader.getHeight(0), reader.getWidth(0));
            } catch (IOException unreadable) {
              // a damaged file: try the next
            } finally {
              reader.dispose();
            }
          }
        }
      }
    }
    throw new IllegalArgumentException("--corpus holds no readable image: " + corpus);
  }

  /** The class folders below the root, sorted (one class "all" for a flat folder). */
  static List<String> classes(Path corpus) throws IOException {
    try (Stream<Path> entries = Files.list(corpus)) {
      List<String> folders = entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".") && !n.startsWith("_")).sorted().toList();
      return folders.isEmpty() ? List.of("all") : folders;
    }
  }

  /**
   * A model of untrained weights (seeded) for {@code shape}, with an index of
   * {@value #CLUSTERS_PER_CLASS} random centroids per class and σ² = 1: what {@code embed} needs
   * to run the cluster rule, at the cost of a trained model.
   */
  static ModelArtifact untrained(Architecture network, InputShape shape, List<String> classes) {
    // The yardstick's width (its dense 64), whatever Magnet's default: the bench compares like networks.
    NetworkSpec spec = NetworkSpec.of(network, shape).withSeed(SEED).withEmbeddingDim(BenchRequest.EMBEDDING_DIM);
    MagnetParams params = MagnetParams.defaults().withAlpha(BenchRequest.ALPHA);
    var net = NetworkFactory.build(spec, Head.embedding(new MagnetLoss(params.alpha())));
    int clusters = classes.size() * CLUSTERS_PER_CLASS;
    SplittableRandom random = new SplittableRandom(SEED);
    double[][] centroids = new double[clusters][spec.embeddingDim()];
    int[] clusterClass = new int[clusters];
    long[] sizes = new long[clusters];
    for (int c = 0; c < clusters; c++) {
      for (int j = 0; j < spec.embeddingDim(); j++) {
        centroids[c][j] = random.nextDouble(-1, 1);
      }
      clusterClass[c] = c / CLUSTERS_PER_CLASS;
      sizes[c] = 1;
    }
    ClusterIndex index = ClusterIndex.of(classes.size(), centroids, clusterClass, sizes, 1.0, null);
    return new ModelArtifact(net, index, classes, params, spec,
        Provenance.now("untrained model of bench --corpus", 0, 0));
  }

  private static Figures magnet(Settings s, Path model, Path dir, PrintWriter out)
      throws IOException, InterruptedException {
    List<String> embed = new ArrayList<>(EmbedRequest.of(model.toString(),
        DataSource.parse(DataSource.IMAGES_PREFIX + s.corpus()), dir.resolve("embeddings").toString())
        .withOverwrite(true).toArgs());
    embed.addAll(1, List.of("--master", "local[" + s.cores() + "]"));
    out.println("bench corpus: ./spark-submit " + String.join(" ", embed));
    out.flush();
    List<String> command = new ArrayList<>(s.childJvm());
    command.addAll(embed);
    ChildRun run = ChildRun.run(command, Map.of("OMP_NUM_THREADS", "1"), Path.of("").toAbsolutePath(),
        dir.resolve("magnet-embed.out"), dir.resolve("magnet-embed.err"));
    String stdout = Files.readString(run.stdout(), StandardCharsets.UTF_8);
    if (run.exitCode() != 0) {
      throw new IllegalStateException("magnet embed failed with exit status " + run.exitCode() + "; see "
          + run.stderr());
    }
    Matcher embedded = EMBEDDED.matcher(stdout);
    if (!embedded.find()) {
      throw new IllegalStateException("magnet embed printed no summary; see " + run.stdout());
    }
    Figures f = new Figures("magnet", Long.parseLong(embedded.group(1)), Double.parseDouble(embedded.group(2)),
        Double.parseDouble(embedded.group(3)), run);
    report(f, out);
    return f;
  }

  private static Figures peer(String name, Settings s, InputShape shape, Path dir, PrintWriter out)
      throws IOException, InterruptedException {
    List<String> command = List.of(s.python().toString(), s.peer().toString(), s.corpus().toString(), "--net",
        spelling(s.network()), "--size", Integer.toString(shape.height()), "--channels",
        Integer.toString(shape.channels()), "--workers", Integer.toString(s.cores()));
    out.println("bench corpus: " + String.join(" ", command));
    out.flush();
    ChildRun run = ChildRun.peer(command, dir, name);
    if (run.exitCode() != 0) {
      throw new IllegalStateException("the yardstick (" + name + ") failed with exit status " + run.exitCode()
          + "; see " + run.stderr());
    }
    JsonNode result = new ObjectMapper().readTree(PeerResult.resultLine(Files.readString(run.stdout(),
        StandardCharsets.UTF_8)));
    Figures f = new Figures(name, result.path("images").asLong(), result.path("seconds").asDouble(), Double.NaN, run);
    report(f, out);
    return f;
  }

  private static void report(Figures f, PrintWriter out) {
    out.printf(Locale.ROOT, "bench corpus: %s: %d images, %.1f s in the job (%.0f images/s), %.1f s whole command"
        + " (%.0f images/s), peak RSS %s MiB%n", f.name(), f.images(), f.jobSeconds(), f.jobRate(), f.run().wallSeconds(),
        f.commandRate(), Measure.number(mib(f.run()), 0));
    out.flush();
  }

  private static double mib(ChildRun run) {
    return run.hasPeakRss() ? run.peakRssBytes() / (1024.0 * 1024.0) : Double.NaN;
  }

  static String spelling(Architecture network) {
    return network.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The section's table (Markdown). */
  static String table(Settings s, InputShape shape, Figures magnet, List<Figures> peers) {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "## Corpus embedding: %s, %s on %s, local[%d] / %d workers%n%n",
        s.corpus(), spelling(s.network()), shape, s.cores(), s.cores()));
    t.append("| figure | Magnet `embed` | PyTorch folder loader | Magnet / yardstick |\n|---|---|---|---|\n");
    double peerJob = peers.stream().mapToDouble(Figures::jobRate).average().orElse(Double.NaN);
    double peerCommand = peers.stream().mapToDouble(Figures::commandRate).average().orElse(Double.NaN);
    double peerRss = peers.stream().mapToDouble(f -> mib(f.run())).max().orElse(Double.NaN);
    String each = peers.size() == 2 ? " (%s / %s)" : "";
    t.append(row("images/s in the job", magnet.jobRate(), peerJob, peers, Figures::jobRate, each, true));
    t.append(row("images/s, whole command", magnet.commandRate(), peerCommand, peers, Figures::commandRate, each, true));
    t.append(String.format(Locale.ROOT, "| peak RSS, MiB | %s | %s | %s× |%n", Measure.number(mib(magnet.run()), 0),
        Measure.number(peerRss, 0), Measure.number(mib(magnet.run()) / peerRss, 2)));
    t.append(String.format(Locale.ROOT, "%nMagnet: %d images embedded, %.1f s in the job (%.1f CPU s), %.1f s whole"
        + " command.%n", magnet.images(), magnet.jobSeconds(), magnet.cpuSeconds(), magnet.run().wallSeconds()));
    return t.toString();
  }

  private static String row(String name, double magnet, double peer, List<Figures> peers,
      java.util.function.ToDoubleFunction<Figures> figure, String each, boolean higherIsBetter) {
    String peerText = Measure.number(peer, 1) + (each.isEmpty() ? "" : String.format(Locale.ROOT, each,
        Measure.number(figure.applyAsDouble(peers.get(0)), 1), Measure.number(figure.applyAsDouble(peers.get(1)), 1)));
    return String.format(Locale.ROOT, "| %s | %s | %s | **%s×** |%n", name, Measure.number(magnet, 1), peerText,
        Measure.number(higherIsBetter ? magnet / peer : peer / magnet, 2));
  }
}
