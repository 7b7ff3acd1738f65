package dev.magnet.spark.bench;

import dev.magnet.core.data.FashionMnist;
import dev.magnet.spark.data.DataSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;


/** The results of a bench sitting: the tables of bench.md and the raw figures of bench.json. */
final class BenchReport {
  static final String TIME_DEFINITION = "training time = the sum over the epochs run of the index refresh and the"
      + " training steps (Magnet: embed + index + plan + materialise + fit of metrics.json; peer: epochs x"
      + " index_refresh_s + examples trained / train_examples_per_s), without process start, data loading and"
      + " evaluation; the peer is run anew with --epochs 1, 2, ... until it reaches the target";

  private final BenchRequest request;
  private final Path peerScript;
  private final Instant started;
  private final List<PeerRun> peers;
  private final MagnetRun main;
  private final MagnetRun single;
  private final MagnetRun accuracy;
  private final List<PeerRun> peerAccuracy;

  /**
   * @param peers the throughput runs of the peer (none with --skip-peer)
   * @param main Magnet's throughput run on local[cores]
   * @param single its run on local[1], or null
   * @param accuracy its time-to-accuracy run, or null
   * @param peerAccuracy the peer's time-to-accuracy runs, by epochs
   */
  BenchReport(BenchRequest request, Path peerScript, Instant started, List<PeerRun> peers, MagnetRun main,
      MagnetRun single, MagnetRun accuracy, List<PeerRun> peerAccuracy) {
    this.request = request;
    this.peerScript = peerScript;
    this.started = started;
    this.peers = List.copyOf(peers);
    this.main = main;
    this.single = single;
    this.accuracy = accuracy;
    this.peerAccuracy = List.copyOf(peerAccuracy);
  }

  /** Training examples/s, index refresh seconds, embedding images/s and peak RSS of both sides. */
  private List<Measure> throughput() {
    return List.of(
        new Measure("training examples/s (fit phase)", peers.stream().map(p -> p.result().trainExamplesPerSecond())
            .toList(), main.metrics().fitExamplesPerSecond(BenchRequest.BATCH_ROWS), 1),
        new Measure("index refresh, s (embed the training set + per-class K-means, per epoch)",
            peers.stream().map(p -> p.result().indexRefreshSeconds()).toList(), main.metrics().indexRefreshSeconds(), 2),
        new Measure("embedding images/s", peers.stream().map(p -> p.result().embedImagesPerSecond(request.limit())).toList(),
            main.metrics().embedImagesPerSecond(), 1),
        new Measure("peak RSS, MiB (VmHWM of the process)", peers.stream().map(p -> p.run().peakRssMib()).toList(),
            main.run().peakRssMib(), 0));
  }

  /** The tables of bench.md. */
  String markdown() {
    List<Measure> measures = throughput();
    StringBuilder md = new StringBuilder("# Magnet against the PyTorch yardstick\n\n");
    md.append(String.format(Locale.ROOT, "%s UTC, %d cores (%s). Data: %s, the first %,d training examples, %d"
            + " epoch(s); %s, K=%d, M=%d, D=%d. Peer: %s. Magnet: ./spark-submit train --master local[%d],"
            + " OMP_NUM_THREADS=1%s.%n%n",
        DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC).format(started).substring(0, 19),
        Runtime.getRuntime().availableProcessors(), cpuModel(), request.data(), Math.min(request.limit(), main.metrics().trainExamples()),
        request.epochs(), request.data().kind() == DataSource.Kind.FASHION_MNIST ? "fmnist-cnn" : "train's default network", BenchRequest.K, BenchRequest.M, BenchRequest.D,
        request.skipPeer() ? "not run (--skip-peer)" : peerScript.getFileName() + " --threads " + request.cores(), request.cores(),
        request.trainArgs().isEmpty() ? "" : " " + String.join(" ", request.trainArgs())));
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
      double thr1 = single.metrics().fitExamplesPerSecond(BenchRequest.BATCH_ROWS);
      double thrN = main.metrics().fitExamplesPerSecond(BenchRequest.BATCH_ROWS);
      md.append("## Scaling\n\n");
      md.append(Measure.markdown(List.of("Magnet", "training examples/s (fit phase)", "peak RSS, MiB"), List.of(
          List.of("local[1]", Measure.number(thr1, 1), Measure.number(single.run().peakRssMib(), 0)),
          List.of("local[" + request.cores() + "]", Measure.number(thrN, 1), Measure.number(main.run().peakRssMib(), 0)))));
      md.append(String.format(Locale.ROOT, "%nScaling efficiency: thr%d / (%d x thr1) = %s.%n%n", request.cores(), request.cores(),
          Measure.number(scalingEfficiency(thr1, thrN, request.cores()), 2)));
    }

    md.append("## Cost per phase (Magnet local[" + request.cores() + "], mean epoch)\n\n");
    md.append(Measure.markdown(List.of("phase", "seconds", "share of the epoch"), phaseRows(main.metrics())));
    md.append("\n");

    if (accuracy != null) {
      md.append(String.format(Locale.ROOT, "## Time to 1-NN test accuracy %.2f (full training set, at most %d epochs)"
          + "%n%n", request.targetAccuracy(), request.maxEpochs()));
      Optional<MagnetRunMetrics.Reached> reached = accuracy.metrics().firstReaching(BenchRequest.ACCURACY_METRIC, request.targetAccuracy());
      Optional<PeerRun> peerReached = peerAccuracy.stream()
          .filter(p -> p.result().knn1AccuracyFine() >= request.targetAccuracy()).findFirst();
      double magnetSeconds = reached.map(MagnetRunMetrics.Reached::seconds).orElse(Double.NaN);
      double peerSeconds = peerReached.map(p -> p.result().trainingSeconds(FashionMnist.TRAIN_SIZE, BenchRequest.BATCH_ROWS))
          .orElse(Double.NaN);
      String peerLast = peerAccuracy.isEmpty() ? "—" : Measure.number(peerAccuracy.get(peerAccuracy.size() - 1)
          .result().knn1AccuracyFine(), 4);
      List<MagnetRunMetrics.Epoch> ep = accuracy.metrics().epochs();
      String magnetLast = Measure.number(ep.get(ep.size() - 1).validation().getOrDefault(BenchRequest.ACCURACY_METRIC, Double.NaN), 4);
      md.append(Measure.markdown(List.of("measure", "peer", "Magnet", "ratio (Magnet / peer)"), List.of(
          List.of("epochs to reach it", peerReached.map(p -> Integer.toString(p.result().epochs()))
                  .orElse(request.skipPeer() ? "—" : "not in " + request.maxEpochs()),
              reached.map(r -> Integer.toString(r.epoch())).orElse("not in " + request.maxEpochs()), ""),
          List.of("training time, s", Measure.number(peerSeconds, 1), Measure.number(magnetSeconds, 1),
              Measure.ratio(magnetSeconds / peerSeconds)),
          List.of("1-NN accuracy then (else after the last epoch)",
              peerReached.map(p -> Measure.number(p.result().knn1AccuracyFine(), 4)).orElse(peerLast),
              reached.map(r -> Measure.number(r.value(), 4)).orElse(magnetLast), ""),
          fullSetTrainingRow(peerAccuracy.stream().mapToDouble(p -> p.result().trainExamplesPerSecond()).toArray(),
              accuracy.metrics().fitExamplesPerSecond(BenchRequest.BATCH_ROWS)))));
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

  /**
   * The parts of the averaging rounds the phase table lists, by their metrics.json name
   * ({@code AveragingCost}); the per-task ones are the mean over a round's tasks, which run side by side.
   */
  private static final Map<String, String> ROUND_PARTS = new LinkedHashMap<>();

  static {
    ROUND_PARTS.put("broadcast_s", "broadcast of the parameters (driver)");
    ROUND_PARTS.put("task_launch_s", "task launch (per task)");
    ROUND_PARTS.put("task_deserialise_s", "task deserialisation (per task)");
    ROUND_PARTS.put("worker_setup_s", "worker setup: fetch, rebuild the network, copy out (per task)");
    ROUND_PARTS.put("worker_updates_s", "mini-batch updates (per task)");
    ROUND_PARTS.put("result_serialise_s", "result serialisation (per task)");
    ROUND_PARTS.put("wait_for_slowest_s", "wait for the slowest worker (per task)");
    ROUND_PARTS.put("results_to_driver_s", "results to the driver and summed");
    ROUND_PARTS.put("driver_averaging_s", "driver averaging");
    ROUND_PARTS.put("worker_exchange_s", "workers' exchange and averaging (per task, one stage)");
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
    Map<String, Double> rounds = e.rounds();
    if (rounds.containsKey("round_s")) {
      rows.add(List.of("averaging rounds (" + Measure.number(rounds.getOrDefault("rounds", 0.0), 0) + "), wall",
          Measure.number(rounds.get("round_s"), 2), share(rounds.get("round_s"), total)));
      ROUND_PARTS.forEach((key, name) -> {
        if (rounds.containsKey(key)) {
          rows.add(List.of("round: " + name, Measure.number(rounds.get(key), 2), share(rounds.get(key), total)));
        }
      });
    }
    rows.add(List.of("epoch", Measure.number(total, 2), "100%"));
    return rows;
  }

  private static String share(double seconds, double total) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * seconds / total);
  }

  /** The figures of bench.json, with the record of every run. */
  Map<String, Object> raw(List<Map<String, Object>> runs) {
    List<Measure> measures = throughput();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("date", started.toString());
    Map<String, Object> machine = new LinkedHashMap<>();
    machine.put("cores", Runtime.getRuntime().availableProcessors());
    machine.put("cpu_model", cpuModel());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    machine.put("java", System.getProperty("java.version"));
    doc.put("machine", machine);
    Map<String, Object> options = new LinkedHashMap<>();
    options.put("data", request.data().text());
    options.put("validation", request.validation().text());
    options.put("limit", request.limit());
    options.put("epochs", request.epochs());
    options.put("cores", request.cores());
    options.put("K", BenchRequest.K);
    options.put("M", BenchRequest.M);
    options.put("D", BenchRequest.D);
    options.put("target_accuracy", request.targetAccuracy());
    options.put("max_epochs", request.maxEpochs());
    options.put("train_args", request.trainArgs());
    options.put("peer", request.skipPeer() ? null : peerScript.toString());
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
      double thr1 = single.metrics().fitExamplesPerSecond(BenchRequest.BATCH_ROWS);
      double thrN = main.metrics().fitExamplesPerSecond(BenchRequest.BATCH_ROWS);
      doc.put("scaling", Map.of("local1_examples_per_s", thr1, "localN_examples_per_s", thrN, "n", request.cores(),
          "efficiency", scalingEfficiency(thr1, thrN, request.cores())));
    }
    if (accuracy != null) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("target", request.targetAccuracy());
      t.put("definition", TIME_DEFINITION);
      t.put("magnet", accuracy.metrics().firstReaching(BenchRequest.ACCURACY_METRIC, request.targetAccuracy()).orElse(null));
      t.put("peer", peerAccuracy.stream().filter(p -> p.result().knn1AccuracyFine() >= request.targetAccuracy()).findFirst()
          .map(p -> Map.of("epochs", p.result().epochs(), "seconds",
              p.result().trainingSeconds(FashionMnist.TRAIN_SIZE, BenchRequest.BATCH_ROWS), "value", p.result().knn1AccuracyFine()))
          .orElse(null));
      t.put("train_examples_per_s", Map.of(
          "peer_runs", peerAccuracy.stream().map(p -> p.result().trainExamplesPerSecond()).toList(),
          "magnet", accuracy.metrics().fitExamplesPerSecond(BenchRequest.BATCH_ROWS)));
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
