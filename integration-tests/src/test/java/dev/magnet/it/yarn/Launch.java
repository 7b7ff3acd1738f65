package dev.magnet.it.yarn;

import dev.magnet.it.Processes;
import dev.magnet.it.SparkHome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of a repository command ({@code ./spark-submit ...} or {@code conf/examples/...}) from
 * the repository root, as a user would start it, with its output (stdout and stderr together) in
 * a file.
 */
final class Launch {
  /** Bounds a hung run, so that it fails instead of blocking the build; not a speed check. */
  private static final long LIMIT_MINUTES = 15;

  final Process process;
  final Path log;

  private Launch(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command} (relative to the repository root) with {@code args} and extra environment. */
  static Launch start(Path logs, String name, Map<String, String> env, String command, List<String> args)
      throws IOException {
    List<String> line = new ArrayList<>(List.of(SparkHome.REPOSITORY.resolve(command).toString()));
    line.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(line).directory(SparkHome.REPOSITORY.toFile());
    builder.environment().putAll(env);
    Files.createDirectories(logs);
    Path log = Files.createTempFile(logs, name + "-", ".log");
    return new Launch(builder.redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
  }

  /** Waits for the run to end; its exit status. */
  int await() throws InterruptedException {
    if (!process.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES)) {
      Processes.kill(process);
      throw new IllegalStateException(log + " did not finish within " + LIMIT_MINUTES + " minutes\n" + this);
    }
    return process.exitValue();
  }

  String output() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "output (" + log + "):\n" + Processes.tail(log, 60);
  }
}
