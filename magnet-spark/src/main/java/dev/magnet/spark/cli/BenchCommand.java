package dev.magnet.spark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.magnet.core.data.FashionMnist;
import dev.magnet.core.model.OutputMarker;
import dev.magnet.spark.bench.ChildRun;
import dev.magnet.spark.bench.MagnetRunMetrics;
import dev.magnet.spark.bench.Measure;
import dev.magnet.spark.bench.PeerResult;
import dev.magnet.spark.io.MetricsJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code magnet bench}: Magnet against the PyTorch yardstick ({@code ../shared/peers/torch_magnet.py},
 * DESIGN.md §5) in one sitting, as ratios: training examples/s of the fit phase, index refresh
 * seconds, embedding images/s and peak memory; local[1] against local[N] training throughput; the
 * cost of each phase of an epoch; and the training time to a 1-NN test accuracy.
 *
 * <p>Every measured run is a child process, so that memory and {@code local[N]} are its own: the
 * peer as {@code python PEER ...} (without this process's {@code OMP_NUM_THREADS}: it sizes its
 * threads itself), and Magnet as a JVM of this JVM's java binary, class path and JVM options
 * running {@code MagnetCli train --master local[N]} with {@code OMP_NUM_THREADS=1}, as
 * {@code ./spark-submit train} runs it. The peer runs before and after Magnet: a gap between its
 * two figures means the machine's load changed. Peak memory is each child's {@code VmHWM}
 * ({@link ChildRun}). Results go to stdout and {@code DIR/bench.md}, with every raw figure, the
 * commands and the machine in {@code DIR/bench.json}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
    description = {"Benchmark Magnet against the PyTorch yardstick on Fashion-MNIST, in one sitting, as ratios.",
        "Runs the peer, Magnet (a child JVM running 'train'), the peer again; then Magnet on local[1], and the"
            + " training time to a 1-NN test accuracy. Writes DIR/bench.md and DIR/bench.json."})
public final class BenchCommand implements Callable<Integer> {
  /** The fixed hyper-parameters of the comparison: the peer's defaults and Magnet's (DESIGN.md §1). */
  static final int K = 8;
  static final int M = 12;
  static final int D = 4;
  /** Examples in one mini-batch. */
  static final int BATCH_ROWS = M * D;
  /** The yardstick, against the working directory (the repository root, beside ../shared). */
  static final String DEFAULT_PEER = "../shared/peers/torch_magnet.py";
  static final String DEFAULT_PYTHON = "/usr/bin/python3";
  /** The held-out metric the time-to-accuracy section reads, Magnet's and the peer's 1-NN accuracy. */
  static final String ACCURACY_METRIC = "knn1_accuracy";
  /** The raw figures' file, which also marks an output directory of a bench from before markers. */
  static final String LEGACY_RESULT = "bench.json";
  /** Importing torch takes seconds, more on a loaded machine. */
  private static final long PYTHON_CHECK_SECONDS = 300;
  /** Options of {@code train} that the bench sets itself on every run. */
  static final Set<String> SET_BY_BENCH = Set.of("--data", "--validation", "--limit", "--epochs", "--output",
      "--overwrite", "--master", "-K", "--clusters-per-class", "-M", "--clusters-per-batch", "-D",
      "--examples-per-cluster", "--metrics", "--publish-to", "--no-report");
  /** JVM options not handed to a child JVM: a master that would override --master, a debugger's port, a recording file. */
  private static final List<String> NOT_INHERITED = List.of("-Dspark.master=", "-agentlib:jdwp", "-Xrunjdwp",
      "-XX:StartFlightRecording", "-XX:FlightRecorderOptions");
  static final String TIME_DEFINITION = "training time = the sum over the epochs run of the index refresh and the"
      + " training steps (Magnet: embed + index + plan + materialise + fit of metrics.json; peer: epochs x"
      + " index_refresh_s + examples trained / train_examples_per_s), without process start, data loading and"
      + " evaluation; the peer is run anew with --epochs 1, 2, ... until it reaches the target";

  @Spec
  CommandSpec spec;

  @Option(names = "--data", converter = DataSpec.Converter.class, paramLabel = "SOURCE", defaultValue = "fashion-mnist",
      description = "Training data, the forms of train --data (default: ${DEFAULT-VALUE}; the peer reads"
          + " Fashion-MNIST only, so other data needs --skip-peer).")
  DataSpec data;

  @Option(names = "--validation", converter = DataSpec.Converter.class, paramLabel = "SOURCE",
      defaultValue = "fashion-mnist-test",
      description = "Held-out data of the time-to-accuracy section (default: ${DEFAULT-VALUE}).")
  DataSpec validation;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20000",
      description = "Training examples of the throughput runs, the first N (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "1",
      description = "Epochs of the throughput runs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--cores", paramLabel = "N", defaultValue = "2",
      description = "Magnet's local[N] and the peer's --threads (default: ${DEFAULT-VALUE}); the scaling run is"
          + " local[1] against it.")
  int cores;

  @Option(names = "--target-accuracy", paramLabel = "ACC", defaultValue = "0.85",
      description = "The 1-NN test accuracy of the time-to-accuracy section (default: ${DEFAULT-VALUE}).")
  double targetAccuracy;

  @Option(names = "--max-epochs", paramLabel = "E", defaultValue = "3",
      description = "Epochs the time-to-accuracy section tries at most, on the full training set (default:"
          + " ${DEFAULT-VALUE}).")
  int maxEpochs;

  @Option(names = "--output", paramLabel = "DIR", defaultValue = "out/bench",
      description = "Where the runs, bench.md and bench.json go (default: ${DEFAULT-VALUE}).")
  Path output;

  @Option(names = "--overwrite", description = "Empty an existing, non-empty --output first.")
  boolean overwrite;

  @Option(names = "--peer", paramLabel = "PATH", defaultValue = DEFAULT_PEER,
      description = "The yardstick script (default: ${DEFAULT-VALUE}, against the working directory).")
  Path peer;

  @Option(names = "--python", paramLabel = "PATH", defaultValue = DEFAULT_PYTHON,
      description = "The Python with torch and sklearn that runs it (default: ${DEFAULT-VALUE}).")
  Path python;

  @Option(names = "--train-arg", paramLabel = "ARG",
      description = "One more argument of every Magnet run, repeatable: --train-arg=--averaging-frequency=20."
          + " Not the options the bench sets: " + "--data, --validation, --limit, --epochs, --output, -K, -M, -D, ...")
  List<String> trainArgs = new ArrayList<>();

  @Option(names = "--skip-peer", description = "Run Magnet only (no yardstick, no ratios).")
  boolean skipPeer;

  @Option(names = "--skip-scaling", description = "Skip the local[1] run.")
  boolean skipScaling;

  @Option(names = "--skip-time-to-accuracy", description = "Skip the time-to-accuracy section (several minutes:"
      + " it trains on the full training set).")
  boolean skipTimeToAccuracy;

  /** Checks the options together; {@link IllegalArgumentException} naming the rule and the value. */
  void checkOptions() {
    if (limit < BATCH_ROWS) {
      throw new IllegalArgumentException("--limit must be at least " + BATCH_ROWS + " (one batch of M*D examples);"
          + " limit=" + limit);
    }
    if (epochs < 1 || maxEpochs < 1) {
      throw new IllegalArgumentException("--epochs and --max-epochs must be at least 1; epochs=" + epochs
          + " max-epochs=" + maxEpochs);
    }
    if (cores < 2) {
      throw new IllegalArgumentException("--cores must be at least 2 (the scaling run is local[1] against it);"
          + " cores=" + cores);
    }
    if (!(targetAccuracy > 0 && targetAccuracy <= 1)) {
      throw new IllegalArgumentException("--target-accuracy must be in (0, 1]; target-accuracy=" + targetAccuracy);
    }
    if (!skipPeer && data.kind() != DataSpec.Kind.FASHION_MNIST) {
      throw new IllegalArgumentException("the peer reads Fashion-MNIST only: --data other than fashion-mnist needs"
          + " --skip-peer; data=" + data);
    }
    if (!skipPeer && !skipTimeToAccuracy && validation.kind() != DataSpec.Kind.FASHION_MNIST_TEST) {
      throw new IllegalArgumentException("the peer measures its accuracy on the Fashion-MNIST test set: --validation"
          + " other than fashion-mnist-test needs --skip-peer or --skip-time-to-accuracy; validation=" + validation);
    }
    for (String arg : trainArgs) {
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      if (SET_BY_BENCH.contains(name)) {
        throw new IllegalArgumentException("--train-arg must not set an option the bench sets itself ("
            + String.join(", ", SET_BY_BENCH.stream().sorted().toList()) + "); train-arg=" + arg);
      }
    }
  }

  /** What one peer run gave. */
  private record PeerRun(ChildRun run, PeerResult result) {}

  /** What one Magnet run gave. */
  private record MagnetRun(ChildRun run, MagnetRunMetrics metrics) {}

  private final List<Map<String, Object>> runs = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private Path dir;
  private Path peerScript;
  private int step;
  private int steps;

  @Override
  public Integer call() throws IOException, InterruptedException {
    TrainCommand.argument(() -> {
      checkOptions();
      return this;
    });
    PrintWriter out = spec.commandLine().getOut();
    Instant started = Instant.now();
    if (!skipPeer) {
      peerScript = checkPeer();
    }
    dir = claim(output.toAbsolutePath().normalize(), overwrite);
    steps = 1 + (skipPeer ? 0 : 2) + (skipScaling ? 0 : 1) + (skipTimeToAccuracy ? 0 : 1 + (skipPeer ? 0 : maxEpochs));

    List<PeerRun> peers = new ArrayList<>();
    if (!skipPeer) {
      peers.add(peer("peer-1", epochs, limit, out));
    }
    MagnetRun main = magnet("magnet-local" + cores, cores, limit, epochs, null, out);
    if (!skipPeer) {
      peers.add(peer("peer-2", epochs, limit, out));
    }
    MagnetRun single = skipScaling ? null : magnet("magnet-local1", 1, limit, epochs, null, out);
    MagnetRun accuracy = null;
    List<PeerRun> peerAccuracy = new ArrayList<>();
    if (!skipTimeToAccuracy) {
      accuracy = magnet("magnet-accuracy", cores, null, maxEpochs, validation, out);
      for (int e = 1; !skipPeer && e <= maxEpochs; e++) {
        PeerRun run = peer("peer-accuracy-" + e, e, 0, out);
        peerAccuracy.add(run);
        if (run.result().knn1AccuracyFine() >= targetAccuracy) {
          break;
        }
      }
    }

    List<Measure> measures = throughput(peers, main);
    String report = report(started, measures, peers, main, single, accuracy, peerAccuracy);
    out.println();
    out.print(report);
    Files.writeString(dir.resolve("bench.md"), report, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(LEGACY_RESULT), json.writeValueAsString(
        raw(started, measures, main, single, accuracy, peerAccuracy)), StandardCharsets.UTF_8);
    out.println();
    out.println("bench: wrote " + dir.resolve("bench.md") + " and " + dir.resolve(LEGACY_RESULT));
    return ExitCodes.SUCCESS;
  }

  // --- Checks before any run ----------------------------------------------------------------------

  /**
   * The peer script, Fashion-MNIST where the peer reads it, and a Python that imports torch and
   * sklearn: else exit 2 (a path given) or 3 (the data or the modules missing).
   */
  private Path checkPeer() throws IOException, InterruptedException {
    Path script = peer.toAbsolutePath().normalize();
    if (!Files.isRegularFile(script)) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS, "peer script not found: " + script + " (--peer "
          + peer + ", against the working directory " + Path.of("").toAbsolutePath() + ")");
    }
    if (!Files.isExecutable(python)) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS, "python not found or not executable: " + python + " (--python)");
    }
    Path log = Files.createTempFile("magnet-bench-python", ".log");
    try {
      Process check = new ProcessBuilder(python.toString(), "-c", "import torch, sklearn").redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!check.waitFor(PYTHON_CHECK_SECONDS, TimeUnit.SECONDS)) {
        check.destroyForcibly();
        throw new CliException(ExitCodes.BAD_INPUT, python + " did not import torch and sklearn within "
            + PYTHON_CHECK_SECONDS + " s");
      }
      if (check.exitValue() != 0) {
        throw new CliException(ExitCodes.BAD_INPUT, python + " cannot import torch and sklearn, which the peer "
            + script + " needs (apt-get install python3-torch python3-sklearn): "
            + lastLine(Files.readString(log, StandardCharsets.UTF_8)));
      }
    } finally {
      Files.deleteIfExists(log);
    }
    if (!Files.isDirectory(FashionMnist.DEFAULT_DIRECTORY)) {
      throw new CliException(ExitCodes.BAD_INPUT, "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIRECTORY
          + ", which the peer reads (" + FashionMnist.INSTALL_COMMAND + ")");
    }
    return script;
  }

  /**
   * Creates the output directory with an {@link OutputMarker}. An existing non-empty one is taken
   * only with --overwrite and only when bench wrote it (the marker, or the bench.json of a bench
   * from before markers), and is then emptied, the marker last, so that a bench killed while
   * emptying can still be rerun with --overwrite.
   */
  static Path claim(Path dir, boolean overwrite) throws IOException {
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          if (!overwrite) {
            throw new CliException(ExitCodes.BAD_ARGUMENTS, "output " + dir + " already exists and is not empty;"
                + " pass --overwrite to replace it");
          }
          if (!Files.exists(dir.resolve(OutputMarker.FILE_NAME)) && !Files.exists(dir.resolve(LEGACY_RESULT))) {
            throw new CliException(ExitCodes.BAD_ARGUMENTS, "output " + dir + " " + OutputMarker.NOT_MAGNET_OUTPUT);
          }
          try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder())
                .filter(p -> !p.equals(dir) && !p.equals(dir.resolve(OutputMarker.FILE_NAME))).toList()) {
              Files.delete(p);
            }
          }
        }
      }
    } else if (Files.exists(dir)) {
      throw new CliException(ExitCodes.BAD_ARGUMENTS, "output " + dir + " exists and is not a directory");
    }
    Files.createDirectories(dir);
    Files.write(dir.resolve(OutputMarker.FILE_NAME), OutputMarker.content("magnet bench"));
    return dir;
  }

  // --- The runs ---------------------------------------------------------------------------------

  private PeerRun peer(String name, int peerEpochs, int peerLimit, PrintWriter out)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(python.toString(), peerScript.toString(), "--epochs",
        Integer.toString(peerEpochs), "--threads", Integer.toString(cores), "--k", Integer.toString(K), "--m",
        Integer.toString(M), "--d", Integer.toString(D)));
    if (peerLimit > 0) {
      command.addAll(List.of("--limit", Integer.toString(peerLimit)));
    }
    announce(name, String.join(" ", command), out);
    Map<String, String> env = new HashMap<>();
    env.put("OMP_NUM_THREADS", null);
    ChildRun run = ChildRun.run(command, env, Path.of("").toAbsolutePath(), dir.resolve(name + ".out"),
        dir.resolve(name + ".err"));
    String stdout = Files.readString(run.stdout(), StandardCharsets.UTF_8);
    if (run.exitCode() != 0) {
      throw new CliException(ExitCodes.TRAINING_FAILED, "the peer (" + name + ") failed with exit status "
          + run.exitCode() + ": " + lastLine(Files.readString(run.stderr(), StandardCharsets.UTF_8)) + "; see "
          + run.stderr());
    }
    PeerResult result;
    try {
      result = PeerResult.parse(stdout);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.TRAINING_FAILED, "the peer (" + name + "): " + e.getMessage(), e);
    }
    JsonNode raw = json.readTree(PeerResult.resultLine(stdout));
    done(name, run, String.format(Locale.ROOT, "%.1f training examples/s, index refresh %.2f s, 1-NN %.4f",
        result.trainExamplesPerSecond(), result.indexRefreshSeconds(), result.knn1AccuracyFine()), raw, out);
    return new PeerRun(run, result);
  }

  private MagnetRun magnet(String name, int localCores, Integer rows, int runEpochs, DataSpec held, PrintWriter out)
      throws IOException, InterruptedException {
    Path model = dir.resolve(name);
    List<String> train = new ArrayList<>(List.of("train", "--master", "local[" + localCores + "]", "--data",
        data.text()));
    if (rows != null) {
      train.addAll(List.of("--limit", rows.toString()));
    }
    train.addAll(List.of("--epochs", Integer.toString(runEpochs), "-K", Integer.toString(K), "-M",
        Integer.toString(M), "-D", Integer.toString(D)));
    if (held != null) {
      train.addAll(List.of("--validation", held.text()));
    }
    train.addAll(List.of("--output", model.toString(), "--overwrite", "--no-report"));
    train.addAll(trainArgs);
    announce(name, "./spark-submit " + String.join(" ", train), out);
    List<String> command = new ArrayList<>(childJvm());
    command.addAll(train);
    ChildRun run = ChildRun.run(command, Map.of("OMP_NUM_THREADS", "1"), Path.of("").toAbsolutePath(),
        dir.resolve(name + ".log"), dir.resolve(name + ".err"));
    if (run.exitCode() != 0) {
      int status = run.exitCode() > ExitCodes.SUCCESS && run.exitCode() <= ExitCodes.METRIC_GATE_FAILED
          ? run.exitCode() : ExitCodes.TRAINING_FAILED;
      throw new CliException(status, "magnet train (" + name + ") failed with exit status " + run.exitCode() + ": "
          + lastLine(Files.readString(run.stderr(), StandardCharsets.UTF_8)) + "; see " + run.stderr());
    }
    Path metricsFile = model.resolve(MetricsJson.FILE_NAME);
    JsonNode raw = json.readTree(metricsFile.toFile());
    MagnetRunMetrics metrics;
    try {
      metrics = MagnetRunMetrics.of(raw, metricsFile.toString());
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.INTERNAL_ERROR, e.getMessage(), e);
    }
    done(name, run, String.format(Locale.ROOT, "%.1f training examples/s (fit), index refresh %.2f s",
        metrics.fitExamplesPerSecond(BATCH_ROWS), metrics.indexRefreshSeconds()), raw, out);
    return new MagnetRun(run, metrics);
  }

  /** This JVM's java, JVM options and class path, running {@link MagnetCli}: a {@code ./spark-submit} JVM. */
  static List<String> childJvm() {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java));
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> NOT_INHERITED.stream().noneMatch(a::startsWith)).forEach(command::add);
    // The children need no web UI, and two of them would race for its port with other jobs.
    command.add("-Dspark.ui.enabled=false");
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), MagnetCli.class.getName()));
    return command;
  }

  private void announce(String name, String command, PrintWriter out) {
    step++;
    out.printf(Locale.ROOT, "bench %s [%d/%d] %s: %s%n", clock(), step, steps, name, command);
    out.flush();
  }

  private void done(String name, ChildRun run, String figures, JsonNode result, PrintWriter out) {
    out.printf(Locale.ROOT, "bench %s       %s: %.1f s, peak RSS %s MiB; %s%n", clock(), name, run.wallSeconds(),
        Measure.number(mib(run), 0), figures);
    out.flush();
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", name);
    entry.put("command", run.command());
    entry.put("exit_code", run.exitCode());
    entry.put("wall_s", run.wallSeconds());
    entry.put("peak_rss_bytes", run.hasPeakRss() ? run.peakRssBytes() : null);
    entry.put("stdout", run.stdout().toString());
    entry.put("stderr", run.stderr().toString());
    entry.put("result", result);
    runs.add(entry);
  }

  private static String clock() {
    return DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC).format(Instant.now());
  }

  private static double mib(ChildRun run) {
    return run.hasPeakRss() ? run.peakRssBytes() / (1024.0 * 1024.0) : Double.NaN;
  }

  private static String lastLine(String text) {
    String[] lines = text.strip().split("\n");
    return lines[lines.length - 1].strip();
  }

  // --- The results --------------------------------------------------------------------------------

  /** Training examples/s, index refresh seconds, embedding images/s and peak RSS of both sides. */
  private List<Measure> throughput(List<PeerRun> peers, MagnetRun main) {
    return List.of(
        new Measure("training examples/s (fit phase)", peers.stream().map(p -> p.result().trainExamplesPerSecond())
            .toList(), main.metrics().fitExamplesPerSecond(BATCH_ROWS), 1),
        new Measure("index refresh, s (embed the training set + per-class K-means, per epoch)",
            peers.stream().map(p -> p.result().indexRefreshSeconds()).toList(), main.metrics().indexRefreshSeconds(), 2),
        new Measure("embedding images/s", peers.stream().map(p -> p.result().embedImagesPerSecond(limit)).toList(),
            main.metrics().embedImagesPerSecond(), 1),
        new Measure("peak RSS, MiB (VmHWM of the process)", peers.stream().map(p -> mib(p.run())).toList(),
            mib(main.run()), 0));
  }

  private String report(Instant started, List<Measure> measures, List<PeerRun> peers, MagnetRun main,
      MagnetRun single, MagnetRun accuracy, List<PeerRun> peerAccuracy) {
    StringBuilder md = new StringBuilder("# Magnet against the PyTorch yardstick\n\n");
    md.append(String.format(Locale.ROOT, "%s UTC, %d cores (%s). Data: %s, the first %,d training examples, %d"
            + " epoch(s); %s, K=%d, M=%d, D=%d. Peer: %s. Magnet: ./spark-submit train --master local[%d],"
            + " OMP_NUM_THREADS=1%s.%n%n",
        DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC).format(started).substring(0, 19),
        Runtime.getRuntime().availableProcessors(), cpuModel(), data, Math.min(limit, main.metrics().trainExamples()),
        epochs, data.kind() == DataSpec.Kind.FASHION_MNIST ? "fmnist-cnn" : "train's default network", K, M, D,
        skipPeer ? "not run (--skip-peer)" : peerScript.getFileName() + " --threads " + cores, cores,
        trainArgs.isEmpty() ? "" : " " + String.join(" ", trainArgs)));
    md.append("## Throughput\n\n");
    md.append(Measure.markdown(List.of("measure", "peer", "Magnet", "ratio (Magnet / peer)"),
        measures.stream().map(Measure::row).toList()));
    md.append("\n");
    if (peers.size() == 2) {
      md.append(String.format(Locale.ROOT, "The peer ran before and after Magnet; its column is the mean (before /"
          + " after). Its training rate moved %.0f%% between the two: a large gap means the machine's load changed"
          + " and the ratios are not to be trusted.%n", 100 * Math.abs(peers.get(1).result().trainExamplesPerSecond()
              - peers.get(0).result().trainExamplesPerSecond()) / measures.get(0).peerMean()));
      md.append("\n");
    }
    md.append("A ratio above 1 is Magnet ahead for a rate, behind for seconds and MiB. ");
    md.append("Magnet's training rate is batches x M*D / fit seconds; its index refresh is the embed + index phases;"
        + " its embedding rate the training set / embed seconds. The peer's embedding rate is corrected for --limit"
        + " (it prints 70,000 / t but embeds limit + 10,000 images). Peak RSS: the child process's VmHWM"
        + " (/proc/<pid>/status) sampled every " + ChildRun.POLL_MILLIS + " ms; Magnet's JVM holds the Spark"
        + " driver and its executors in local mode.\n\n");

    if (single != null) {
      double thr1 = single.metrics().fitExamplesPerSecond(BATCH_ROWS);
      double thrN = main.metrics().fitExamplesPerSecond(BATCH_ROWS);
      md.append("## Scaling\n\n");
      md.append(Measure.markdown(List.of("Magnet", "training examples/s (fit phase)", "peak RSS, MiB"), List.of(
          List.of("local[1]", Measure.number(thr1, 1), Measure.number(mib(single.run()), 0)),
          List.of("local[" + cores + "]", Measure.number(thrN, 1), Measure.number(mib(main.run()), 0)))));
      md.append(String.format(Locale.ROOT, "%nScaling efficiency: thr%d / (%d x thr1) = %s.%n%n", cores, cores,
          Measure.number(scalingEfficiency(thr1, thrN, cores), 2)));
    }

    md.append("## Cost per phase (Magnet local[" + cores + "], mean epoch)\n\n");
    md.append(Measure.markdown(List.of("phase", "seconds", "share of the epoch"), phaseRows(main.metrics())));
    md.append("\n");

    if (accuracy != null) {
      md.append(String.format(Locale.ROOT, "## Time to 1-NN test accuracy %.2f (full training set, at most %d epochs)"
          + "%n%n", targetAccuracy, maxEpochs));
      Optional<MagnetRunMetrics.Reached> reached = accuracy.metrics().firstReaching(ACCURACY_METRIC, targetAccuracy);
      Optional<PeerRun> peerReached = peerAccuracy.stream()
          .filter(p -> p.result().knn1AccuracyFine() >= targetAccuracy).findFirst();
      double magnetSeconds = reached.map(MagnetRunMetrics.Reached::seconds).orElse(Double.NaN);
      double peerSeconds = peerReached.map(p -> p.result().trainingSeconds(FashionMnist.TRAIN_SIZE, BATCH_ROWS))
          .orElse(Double.NaN);
      String peerLast = peerAccuracy.isEmpty() ? "—" : Measure.number(peerAccuracy.get(peerAccuracy.size() - 1)
          .result().knn1AccuracyFine(), 4);
      List<MagnetRunMetrics.Epoch> ep = accuracy.metrics().epochs();
      String magnetLast = Measure.number(ep.get(ep.size() - 1).validation().getOrDefault(ACCURACY_METRIC, Double.NaN), 4);
      md.append(Measure.markdown(List.of("measure", "peer", "Magnet", "ratio (Magnet / peer)"), List.of(
          List.of("epochs to reach it", peerReached.map(p -> Integer.toString(p.result().epochs()))
                  .orElse(skipPeer ? "—" : "not in " + maxEpochs),
              reached.map(r -> Integer.toString(r.epoch())).orElse("not in " + maxEpochs), ""),
          List.of("training time, s", Measure.number(peerSeconds, 1), Measure.number(magnetSeconds, 1),
              Measure.ratio(magnetSeconds / peerSeconds)),
          List.of("1-NN accuracy then (else after the last epoch)",
              peerReached.map(p -> Measure.number(p.result().knn1AccuracyFine(), 4)).orElse(peerLast),
              reached.map(r -> Measure.number(r.value(), 4)).orElse(magnetLast), ""),
          fullSetTrainingRow(peerAccuracy.stream().mapToDouble(p -> p.result().trainExamplesPerSecond()).toArray(),
              accuracy.metrics().fitExamplesPerSecond(BATCH_ROWS)))));
      md.append("\nDefinition: ").append(TIME_DEFINITION).append(".\n");
    }
    return md.toString();
  }

  /**
   * The training rate of the time-to-accuracy runs (the full training set, several epochs, so the
   * JVM's warm-up weighs less than in the 20k one-epoch runs above): the peer's mean over its runs
   * against Magnet's fit phase over its epochs.
   */
  static List<String> fullSetTrainingRow(double[] peerRates, double magnetRate) {
    double peer = Arrays.stream(peerRates).average().orElse(Double.NaN);
    return List.of("training examples/s over these runs (fit phase; peer: mean of its runs)",
        Measure.number(peer, 1), Measure.number(magnetRate, 1), Measure.ratio(magnetRate / peer));
  }

  /** thrN / (N · thr1): 1 when N workers train N times as fast as one. */
  static double scalingEfficiency(double thr1, double thrN, int n) {
    return thrN / (n * thr1);
  }

  /** The mean epoch's phases with their share, then the averaging part of fit when metrics.json has it, then the total. */
  static List<List<String>> phaseRows(MagnetRunMetrics metrics) {
    MagnetRunMetrics.Epoch e = metrics.meanEpoch();
    double total = e.total();
    List<List<String>> rows = new ArrayList<>();
    Map<String, Double> phases = new LinkedHashMap<>();
    phases.put("embed", e.embed());
    phases.put("index", e.index());
    phases.put("plan", e.plan());
    phases.put("materialise", e.materialise());
    phases.put("fit", e.fit());
    phases.forEach((name, s) -> rows.add(List.of(name, Measure.number(s, 2), share(s, total))));
    e.averaging().ifPresent(s -> rows.add(List.of("of which averaging (fit outside the workers' updates)",
        Measure.number(s, 2), share(s, total))));
    rows.add(List.of("epoch", Measure.number(total, 2), "100%"));
    return rows;
  }

  private static String share(double seconds, double total) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * seconds / total);
  }

  private Map<String, Object> raw(Instant started, List<Measure> measures, MagnetRun main, MagnetRun single,
      MagnetRun accuracy, List<PeerRun> peerAccuracy) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("date", started.toString());
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("cpu_model", cpuModel());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    machine.put("java", System.getProperty("java.version"));
    doc.put("machine", machine);
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("data", data.text());
    options.put("validation", validation.text());
    options.put("limit", limit);
    options.put("epochs", epochs);
    options.put("cores", cores);
    options.put("K", K);
    options.put("M", M);
    options.put("D", D);
    options.put("target_accuracy", targetAccuracy);
    options.put("max_epochs", maxEpochs);
    options.put("train_args", trainArgs);
    options.put("peer", skipPeer ? null : peerScript.toString());
    doc.put("options", options);
    List<Map<String, Object>> figures = new ArrayList<>();
    for (Measure m : measures) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("measure", m.name());
      f.put("peer", m.peer());
      f.put("peer_mean", finite(m.peerMean()));
      f.put("magnet", finite(m.magnet()));
      f.put("ratio", finite(m.ratio()));
      figures.add(f);
    }
    doc.put("throughput", figures);
    if (single != null) {
      double thr1 = single.metrics().fitExamplesPerSecond(BATCH_ROWS);
      double thrN = main.metrics().fitExamplesPerSecond(BATCH_ROWS);
      doc.put("scaling", Map.of("local1_examples_per_s", thr1, "localN_examples_per_s", thrN, "n", cores,
          "efficiency", scalingEfficiency(thr1, thrN, cores)));
    }
    if (accuracy != null) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("target", targetAccuracy);
      t.put("definition", TIME_DEFINITION);
      t.put("magnet", accuracy.metrics().firstReaching(ACCURACY_METRIC, targetAccuracy).orElse(null));
      t.put("peer", peerAccuracy.stream().filter(p -> p.result().knn1AccuracyFine() >= targetAccuracy).findFirst()
          .map(p -> Map.of("epochs", p.result().epochs(), "seconds",
              p.result().trainingSeconds(FashionMnist.TRAIN_SIZE, BATCH_ROWS), "value", p.result().knn1AccuracyFine()))
          .orElse(null));
      t.put("train_examples_per_s", Map.of(
          "peer_runs", peerAccuracy.stream().map(p -> p.result().trainExamplesPerSecond()).toList(),
          "magnet", accuracy.metrics().fitExamplesPerSecond(BATCH_ROWS)));
      doc.put("time_to_accuracy", t);
    }
    doc.put("runs", runs);
    return doc;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** The first "model name" of /proc/cpuinfo, or the OS's architecture where there is none. */
  static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
          .findFirst().orElse(System.getProperty("os.arch"));
    } catch (IOException | UncheckedIOException e) {
      return System.getProperty("os.arch");
    }
  }
}
