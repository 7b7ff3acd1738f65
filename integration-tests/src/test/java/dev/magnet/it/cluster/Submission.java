package dev.magnet.it.cluster;

import dev.magnet.it.SparkHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code ./spark-submit <command> --master spark://... ...} of the repository's script against
 * a {@link StandaloneCluster}, in client mode: the process is the driver. {@code MAGNET_NO_BUILD}
 * is set, so a missing or stale job jar fails the test instead of starting a Maven build inside
 * the build that runs it.
 */
final class Submission {
  /** The repository root. */
  static final Path ROOT = SparkHome.REPOSITORY;
  /** Bounds a hung run, so that it fails instead of blocking the build; not a speed check. */
  private static final long LIMIT_MINUTES = 15;

  final Process process;
  final Path out;
  final Path err;

  private Submission(Process process, Path out, Path err) {
    this.process = process;
    this.out = out;
    this.err = err;
  }

  /** Starts {@code ./spark-submit command --master <cluster> args}; output goes to files in {@code logs}. */
  static Submission start(StandaloneCluster cluster, Path logs, String command, List<String> args) throws IOException {
    return start(cluster.masterUrl(), cluster.environment(), logs, command, args);
  }

  /** Starts {@code ./spark-submit command --master master args} with a SPARK_HOME's {@code environment}. */
  static Submission start(String master, java.util.Map<String, String> environment, Path logs, String command,
      List<String> args) throws IOException {
    List<String> line = new ArrayList<>(List.of(ROOT.resolve("spark-submit").toString(), command,
        "--master", master, "--executor-memory", "768m", "--driver-memory", "1g"));
    line.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(line).directory(ROOT.toFile());
    builder.environment().putAll(environment);
    builder.environment().put("MAGNET_NO_BUILD", "1");
    Files.createDirectories(logs);
    Path out = Files.createTempFile(logs, command + "-", ".out");
    Path err = Files.createTempFile(logs, command + "-", ".err");
    return new Submission(builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
  }

  /** Waits for the driver to exit; its status. */
  int await() throws InterruptedException {
    return await(LIMIT_MINUTES);
  }

  /** Waits at most {@code minutes} for the driver to exit (then kills it and fails); its status. */
  int await(long minutes) throws InterruptedException {
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      StandaloneCluster.kill(process);
      throw new IllegalStateException("./spark-submit did not finish within " + minutes + " minutes\n" + this);
    }
    return process.exitValue();
  }

  String stderr() throws IOException {
    return Files.readString(err, StandardCharsets.UTF_8);
  }

  String stdout() throws IOException {
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "stdout:\n" + StandaloneCluster.tail(out) + "\nstderr:\n" + StandaloneCluster.tail(err);
  }
}
