package dev.magnet.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.it.SparkHome;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.util.ExitCodes;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table of docs/scaling.md, "Two distributed modes": for each training master (averaging,
 * sharing) and each W, one {@code train} on {@code local-cluster[W,1,1024]} (a master, W workers and
 * W one-core executors, each a separate JVM) through the repository's {@code ./spark-submit} with a
 * temporary SPARK_HOME, and per run: the fit's rounds (Spark jobs of DL4J's training master) and
 * the bytes moved, per epoch, the wall time, the fit's seconds per epoch, and the final held-out
 * 1-NN accuracy. Per-epoch figures are taken over epochs 2..E, between the appearance of checkpoint
 * 1 and checkpoint E: the start-up (each executor fetches the ~190 MB job jar) is left out.
 *
 * <p>Bytes, per epoch: Spark's, from the run's event log (shuffle written, and task results, all
 * stages and the fit's alone), and everything over the loopback interface ({@code /proc/net/dev},
 * {@code lo}), which also counts what Spark's task metrics do not: broadcasts (averaging's
 * parameters, driver to executors), RPC, and gradient sharing's Aeron UDP traffic between the
 * executors, which never passes through Spark. The loopback count is the machine's: run it alone.
 *
 * <p>Not a test the suite runs (the name has no Test suffix, so surefire leaves it out, in every
 * profile); run it for figures in a quiet sitting, as docs/scaling.md says:
 * {@code mvn -B -ntp -Pcluster-it -pl integration-tests -am package -Dtest=ModeScalingTable
 * -Dsurefire.failIfNoSpecifiedTests=false}. It writes {@code integration-tests/target/mode-scaling.md}.
 * System properties: {@code magnet.scaling.modes} (default averaging,dl4j-averaging,sharing),
 * {@code magnet.scaling.workers} (default 1,2,4,8), {@code magnet.scaling.limit} (examples of each
 * set, default 10000), {@code magnet.scaling.epochs} (default 3).
 */
class ModeScalingTable {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  record Row(String mode, int workers, long rounds, long jobs, double sparkBytesPerEpoch, double fitResultBytesPerEpoch,
      double loopbackBytesPerEpoch, double seconds, double fitSeconds, double knn1) {}

  @Test
  void bothModesAgainstW() throws Exception {
    int[] ws = Arrays.stream(System.getProperty("magnet.scaling.workers", "1,2,4,8").split(","))
        .mapToInt(w -> Integer.parseInt(w.strip())).toArray();
    int limit = Integer.getInteger("magnet.scaling.limit", 10_000);
    int epochs = Integer.getInteger("magnet.scaling.epochs", 3);
    Path home = SparkHome.create(tmp.resolve("spark-home"));
    List<Row> rows = new ArrayList<>();
    Path out = SparkHome.REPOSITORY.resolve("integration-tests/target/mode-scaling.md");
    String table = "";
    List<String> modes = Arrays.stream(System.getProperty("magnet.scaling.modes", "averaging,dl4j-averaging,sharing")
        .split(","))
        .map(String::strip).toList();
    for (String mode : modes) {
      for (int w : ws) {
        rows.add(run(home, mode, w, limit, epochs));
        table = table(rows, limit, epochs);
        Files.writeString(out, table); // after every run: a sitting cut short keeps the rows it has
      }
    }
    System.out.println(table);
    for (Row row : rows) {
      assertTrue(row.knn1() > 0.5, "10 classes, chance is 0.1: " + row);
      assertTrue(row.jobs() > 0, "the fit ran as jobs of the training master: " + row);
    }
  }

  private Row run(Path home, String mode, int w, int limit, int epochs) throws Exception {
    Path events = Files.createDirectories(tmp.resolve("events-" + mode + "-" + w));
    Path model = tmp.resolve("model-" + mode + "-" + w);
    String checkpoints = tmp.resolve("checkpoints-" + mode + "-" + w).toString();
    List<String> args = new ArrayList<>(List.of("--data", "fashion-mnist", "--validation", "fashion-mnist-test",
        "--limit", String.valueOf(limit), "--epochs", String.valueOf(epochs), "--workers", String.valueOf(w),
        "--training-master", mode, "--output", model.toString(), "--no-report", "--checkpoint-dir", checkpoints,
        "--conf", "spark.eventLog.enabled=true", "--conf", "spark.eventLog.compress=false",
        "--conf", "spark.eventLog.dir=" + events.toUri()));
    long start = System.nanoTime();
    Submission train = Submission.start("local-cluster[" + w + ",1,1024]", SparkHome.environment(home),
        tmp.resolve("logs"), "train", args);
    // The window measured: from checkpoint 1 to checkpoint E, i.e. epochs 2..E, without the start-up
    // (executors fetching the job jar, ~190 MB each over loopback) or the final index and save.
    CheckpointStore store = new CheckpointStore(checkpoints, new Configuration());
    StandaloneCluster.await(() -> !train.process.isAlive() || lastCheckpoint(store) >= 1, "checkpoint 1");
    long fromMillis = System.currentTimeMillis();
    long loopbackFrom = loopbackBytes();
    StandaloneCluster.await(() -> !train.process.isAlive() || lastCheckpoint(store) >= epochs, "checkpoint " + epochs);
    long toMillis = System.currentTimeMillis();
    long loopback = loopbackBytes() - loopbackFrom;
    assertEquals(ExitCodes.SUCCESS, train.await(60), mode + " W=" + w + "\n" + train);
    double seconds = (System.nanoTime() - start) / 1e9;
    MetricsJson.Document metrics = MetricsJson.read(model.resolve(MetricsJson.FILE_NAME).toString(),
        new Configuration());
    List<SparkEpochMetrics> epochMetrics = metrics.epochs();
    double fitSeconds = epochMetrics.stream().mapToDouble(SparkEpochMetrics::fitSeconds).sum() / epochs;
    double knn1 = epochMetrics.get(epochMetrics.size() - 1).validation().get("knn1_accuracy");
    EventLog log;
    try (Stream<Path> files = Files.list(events)) {
      log = EventLog.read(files.findFirst().orElseThrow(), fromMillis, toMillis);
    }
    int measured = Math.max(1, epochs - 1);
    // Averaging's rounds from metrics.json (one-stage averaging runs a chunk's rounds in one job); sharing has none.
    long rounds = epochMetrics.stream().skip(epochMetrics.size() - measured)
        .mapToLong(e -> e.averaging() == null ? 0 : e.averaging().rounds()).sum() / measured;
    return new Row(mode, w, rounds, log.fitJobs / measured, (double) log.sparkBytes / measured,
        (double) log.fitResultBytes / measured, (double) loopback / measured, seconds, fitSeconds, knn1);
  }

  private static int lastCheckpoint(CheckpointStore store) {
    try {
      List<Integer> epochs = store.epochs();
      return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** What one run's Spark event log says about the fit's jobs and the bytes Spark moved. */
  private static final class EventLog {
    long fitJobs;
    long sparkBytes;
    long fitResultBytes;

    /** The jobs submitted and the tasks finished between {@code from} and {@code to} (epoch milliseconds). */
    static EventLog read(Path file, long from, long to) throws IOException {
      EventLog log = new EventLog();
      Set<Integer> fitStages = new HashSet<>();
      Map<Integer, long[]> stageBytes = new HashMap<>(); // stage -> result bytes
      try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          JsonNode event = JSON.readTree(line);
          switch (event.path("Event").asText()) {
            case "SparkListenerJobStart" -> {
              long submitted = event.path("Submission Time").asLong();
              if (submitted < from || submitted > to) {
                continue;
              }
              boolean fit = false;
              for (JsonNode stage : event.path("Stage Infos")) {
                String name = stage.path("Stage Name").asText();
                // DL4J's rounds aggregate in its master or in Magnet's subclass of it (AveragingMaster);
                // one-stage averaging's job, one a chunk, is named after BarrierAveraging.
                fit |= name.startsWith("treeAggregate at") && (name.contains("TrainingMaster")
                    || name.contains("AveragingMaster")) || name.contains("BarrierAveraging");
              }
              if (fit) {
                log.fitJobs++;
                for (JsonNode stage : event.path("Stage Infos")) {
                  fitStages.add(stage.path("Stage ID").asInt());
                }
              }
            }
            case "SparkListenerTaskEnd" -> {
              long finished = event.path("Task Info").path("Finish Time").asLong();
              if (finished < from || finished > to) {
                continue;
              }
              JsonNode m = event.path("Task Metrics");
              long result = m.path("Result Size").asLong();
              long shuffle = m.path("Shuffle Write Metrics").path("Shuffle Bytes Written").asLong();
              log.sparkBytes += result + shuffle;
              stageBytes.computeIfAbsent(event.path("Stage ID").asInt(), s -> new long[1])[0] += result;
            }
            default -> { }
          }
        }
      }
      for (int stage : fitStages) {
        log.fitResultBytes += stageBytes.getOrDefault(stage, new long[1])[0];
      }
      return log;
    }
  }

  /** Bytes received on the loopback interface so far (Linux), or 0 where there is no /proc/net/dev. */
  private static long loopbackBytes() throws IOException {
    Path dev = Path.of("/proc/net/dev");
    if (!Files.exists(dev)) {
      return 0;
    }
    for (String line : Files.readAllLines(dev)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("lo:")) {
        return Long.parseLong(trimmed.substring(3).strip().split("\\s+")[0]);
      }
    }
    return 0;
  }

  private static String table(List<Row> rows, int limit, int epochs) {
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "Fashion-MNIST, --limit %d, %d epochs, local-cluster[W,1,1024], --workers W;"
        + " rounds and bytes per epoch over epochs 2..%d; time: the whole run; fit: seconds per epoch%n%n", limit,
        epochs, epochs));
    t.append("| mode | W | averaging rounds | fit jobs | Spark bytes (shuffle + task results) | fit task results | loopback bytes"
        + " | time (s) | fit (s) | 1-NN |\n");
    t.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Row r : rows) {
      t.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f MB | %.1f MB | %.1f MB | %.1f | %.1f | %.4f |%n",
          r.mode(), r.workers(), r.rounds(), r.jobs(), r.sparkBytesPerEpoch() / 1e6, r.fitResultBytesPerEpoch() / 1e6,
          r.loopbackBytesPerEpoch() / 1e6, r.seconds(), r.fitSeconds(), r.knn1()));
    }
    return t.toString();
  }
}
