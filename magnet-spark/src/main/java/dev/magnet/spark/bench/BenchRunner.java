package dev.magnet.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.magnet.core.data.FashionMnist;
import dev.magnet.core.model.OutputMarker;
import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.Arguments;
import dev.magnet.spark.util.EmbeddedHeap;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;


/**
 * Runs {@code bench}: Magnet against the PyTorch yardstick in one sitting, as ratios (see
 * docs/benchmarks.md): training examples/s of the fit phase, index refresh seconds, embedding
 * images/s and peak memory; local[1] against local[N]; the cost of each phase of an epoch; and the
 * training time to a 1-NN test accuracy.
 *
 * <p>Every measured run is a child process, so that memory and {@code local[N]} are its own: the
 * peer as {@code python PEER ...} (without this process's {@code OMP_NUM_THREADS}: it sizes its
 * threads itself), and Magnet as {@link BenchRequest#magnetCommand()} running {@code train
 * --master local[N]} with {@code OMP_NUM_THREADS=1}, as {@code ./spark-submit train} runs it. The
 * peer runs before and after Magnet: a gap between its two figures means the machine's load
 * changed. Peak memory is each child's {@code VmHWM} ({@link ChildRun}). Results go to stdout and
 * {@code DIR/bench.md}, with every raw figure, the commands and the machine in
 * {@code DIR/bench.json} ({@link BenchReport}).
 */
public final class BenchRunner {
  /** Importing torch takes seconds, more on a loaded machine. */
  private static final long PYTHON_CHECK_SECONDS = 300;
  /** The raw figures' file, which also marks an output directory of a bench from before output markers. */
  static final String RAW_FIGURES = "bench.json";
  /** JVM options not handed to a child JVM: a master that would override --master, a debugger's port, a recording file. */
  private static final List<String> NOT_INHERITED = List.of("-Dspark.master=", "-agentlib:jdwp", "-Xrunjdwp",
      "-XX:StartFlightRecording", "-XX:FlightRecorderOptions");

  private final BenchRequest request;
  private final PrintWriter out;
  private final List<Map<String, Object>> runs = new ArrayList<>();
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private Path dir;
  private Path peerScript;
  private int step;
  private int steps;

  public BenchRunner(BenchRequest request, PrintWriter out) {
    this.request = request;
    this.out = out;
  }

  /** Runs every section; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run() throws IOException, InterruptedException {
    JobException.argument(request::check);
    Instant started = Instant.now();
    if (!request.skipPeer()) {
      peerScript = checkPeer();
    }
    dir = claim(request.output().toAbsolutePath().normalize(), request.overwrite());
    steps = 1 + (request.skipPeer() ? 0 : 2) + (request.skipScaling() ? 0 : 1)
        + (request.skipTimeToAccuracy() ? 0 : 1 + (request.skipPeer() ? 0 : request.maxEpochs()));

    List<PeerRun> peers = new ArrayList<>();
    if (!request.skipPeer()) {
      peers.add(peer("peer-1", request.epochs(), request.limit(), out));
    }
    MagnetRun main = magnet("magnet-local" + request.cores(), request.cores(), request.limit(), request.epochs(), null, out);
    if (!request.skipPeer()) {
      peers.add(peer("peer-2", request.epochs(), request.limit(), out));
    }
    MagnetRun single = request.skipScaling() ? null : magnet("magnet-local1", 1, request.limit(), request.epochs(), null, out);
    MagnetRun accuracy = null;
    List<PeerRun> peerAccuracy = new ArrayList<>();
    if (!request.skipTimeToAccuracy()) {
      accuracy = magnet("magnet-accuracy", request.cores(), null, request.maxEpochs(), request.validation(), out);
      for (int e = 1; !request.skipPeer() && e <= request.maxEpochs(); e++) {
        PeerRun run = peer("peer-accuracy-" + e, e, 0, out);
        peerAccuracy.add(run);
        if (run.result().knn1AccuracyFine() >= request.targetAccuracy()) {
          break;
        }
      }
    }

    BenchReport report = new BenchReport(request, peerScript, started, peers, main, single, accuracy, peerAccuracy);
    String markdown = report.markdown();
    out.println();
    out.print(markdown);
    Files.writeString(dir.resolve("bench.md"), markdown, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(RAW_FIGURES), json.writeValueAsString(report.raw(runs)), StandardCharsets.UTF_8);
    out.println();
    out.println("bench: wrote " + dir.resolve("bench.md") + " and " + dir.resolve(RAW_FIGURES));
    return ExitCodes.SUCCESS;
  }

  /**
   * The peer script, Fashion-MNIST where the peer reads it, and a Python that imports torch and
   * sklearn: else exit 2 (a path given) or 3 (the data or the modules missing).
   */
  private Path checkPeer() throws IOException, InterruptedException {
    Path script = request.peer().toAbsolutePath().normalize();
    if (!Files.isRegularFile(script)) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "peer script not found: " + script + " (--peer "
          + request.peer() + ", against the working directory " + Path.of("").toAbsolutePath() + ")");
    }
    if (!Files.isExecutable(request.python())) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "python not found or not executable: " + request.python() + " (--python)");
    }
    Path log = Files.createTempFile("magnet-bench-python", ".log");
    try {
      Process check = new ProcessBuilder(request.python().toString(), "-c", "import torch, sklearn").redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      if (!check.waitFor(PYTHON_CHECK_SECONDS, TimeUnit.SECONDS)) {
        check.destroyForcibly();
        throw new JobException(ExitCodes.BAD_INPUT, request.python() + " did not import torch and sklearn within "
            + PYTHON_CHECK_SECONDS + " s");
      }
      if (check.exitValue() != 0) {
        throw new JobException(ExitCodes.BAD_INPUT, request.python() + " cannot import torch and sklearn, which the peer "
            + script + " needs (apt-get install python3-torch python3-sklearn): "
            + lastLine(Files.readString(log, StandardCharsets.UTF_8)));
      }
    } finally {
      Files.deleteIfExists(log);
    }
    if (!Files.isDirectory(FashionMnist.DEFAULT_DIRECTORY)) {
      throw new JobException(ExitCodes.BAD_INPUT, "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIRECTORY
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
  public static Path claim(Path dir, boolean overwrite) throws IOException {
    if (Files.isDirectory(dir)) {
      try (Stream<Path> entries = Files.list(dir)) {
        if (entries.findAny().isPresent()) {
          if (!overwrite) {
            throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + dir + " already exists and is not empty;"
                + " pass --overwrite to replace it");
          }
          if (!Files.exists(dir.resolve(OutputMarker.FILE_NAME)) && !Files.exists(dir.resolve(RAW_FIGURES))) {
            throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + dir + " " + OutputMarker.NOT_MAGNET_OUTPUT);
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
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + dir + " exists and is not a directory");
    }
    Files.createDirectories(dir);
    Files.write(dir.resolve(OutputMarker.FILE_NAME), OutputMarker.content("magnet bench"));
    return dir;
  }

  private PeerRun peer(String name, int peerEpochs, int peerLimit, PrintWriter out)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(request.python().toString(), peerScript.toString(), "--epochs",
        Integer.toString(peerEpochs), "--threads", Integer.toString(request.cores()), "--k", Integer.toString(BenchRequest.K), "--m",
        Integer.toString(BenchRequest.M), "--d", Integer.toString(BenchRequest.D), "--alpha",
        Arguments.plain(BenchRequest.ALPHA), "--lr", Arguments.plain(BenchRequest.LEARNING_RATE)));
    if (peerLimit > 0) {
      command.addAll(List.of("--limit", Integer.toString(peerLimit)));
    }
    announce(name, String.join(" ", command), out);
    ChildRun run = ChildRun.peer(command, dir, name);
    String stdout = Files.readString(run.stdout(), StandardCharsets.UTF_8);
    if (run.exitCode() != 0) {
      throw new JobException(ExitCodes.TRAINING_FAILED, "the peer (" + name + ") failed with exit status "
          + run.exitCode() + ": " + lastLine(Files.readString(run.stderr(), StandardCharsets.UTF_8)) + "; see "
          + run.stderr());
    }
    PeerResult result;
    try {
      result = PeerResult.parse(stdout);
    } catch (IllegalArgumentException e) {
      throw new JobException(ExitCodes.TRAINING_FAILED, "the peer (" + name + "): " + e.getMessage(), e);
    }
    JsonNode raw = json.readTree(PeerResult.resultLine(stdout));
    done(name, run, String.format(Locale.ROOT, "%.1f training examples/s, index refresh %.2f s, 1-NN %.4f",
        result.trainExamplesPerSecond(), result.indexRefreshSeconds(), result.knn1AccuracyFine()), raw, out);
    return new PeerRun(run, result);
  }

  private MagnetRun magnet(String name, int localCores, Integer rows, int runEpochs, DataSource held, PrintWriter out)
      throws IOException, InterruptedException {
    Path model = dir.resolve(name);
    TrainRequest trainRequest = TrainRequest.of(request.data(), model.toString()).withData(request.data(), held).withLimit(rows)
        .withParams(MagnetParams.defaults().withEpochs(runEpochs).withClusters(BenchRequest.K, BenchRequest.M,
            BenchRequest.D).withAlpha(BenchRequest.ALPHA))
        .withNetwork(NetworkChoice.defaults().withEmbeddingDim(BenchRequest.EMBEDDING_DIM)
            .withLearningRate(BenchRequest.LEARNING_RATE))
        .withOutput(model.toString(), true).withReport(false);
    List<String> train = new ArrayList<>(trainRequest.toArgs());
    train.addAll(List.of("--master", "local[" + localCores + "]"));
    train.addAll(request.trainArgs());
    announce(name, Arguments.shell(train), out);
    List<String> command = new ArrayList<>(EmbeddedHeap.forChild(request.magnetCommand(), train));
    command.addAll(train);
    ChildRun run = ChildRun.run(command, Map.of("OMP_NUM_THREADS", "1"), Path.of("").toAbsolutePath(),
        dir.resolve(name + ".log"), dir.resolve(name + ".err"));
    if (run.exitCode() != 0) {
      int status = run.exitCode() > ExitCodes.SUCCESS && run.exitCode() <= ExitCodes.METRIC_GATE_FAILED
          ? run.exitCode() : ExitCodes.TRAINING_FAILED;
      throw new JobException(status, "magnet train (" + name + ") failed with exit status " + run.exitCode() + ": "
          + lastLine(Files.readString(run.stderr(), StandardCharsets.UTF_8)) + "; see " + run.stderr());
    }
    Path metricsFile = model.resolve(MetricsJson.FILE_NAME);
    JsonNode raw = json.readTree(metricsFile.toFile());
    MagnetRunMetrics metrics;
    try {
      metrics = MagnetRunMetrics.of(raw, metricsFile.toString());
    } catch (IllegalArgumentException e) {
      throw new JobException(ExitCodes.INTERNAL_ERROR, e.getMessage(), e);
    }
    done(name, run, String.format(Locale.ROOT, "%.1f training examples/s (fit), index refresh %.2f s",
        metrics.fitExamplesPerSecond(BenchRequest.BATCH_ROWS), metrics.indexRefreshSeconds()), raw, out);
    return new MagnetRun(run, metrics);
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

  /**
   * A command line that runs {@code mainClass} in a JVM like this one: this JVM's java, JVM options
   * (but {@link #NOT_INHERITED}) and class path, without the Spark UI.
   */
  public static List<String> childJvm(String mainClass) {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java));
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> NOT_INHERITED.stream().noneMatch(a::startsWith)).forEach(command::add);
    // The children need no web UI, and two of them would race for its port with other jobs.
    command.add("-Dspark.ui.enabled=false");
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    return command;
  }
}
