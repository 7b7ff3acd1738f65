package dev.magnet.spark.bench;

import dev.magnet.spark.metrics.ProcStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * One measured run of a child process: its exit status, wall seconds and peak RSS. The peak is
 * the child's {@code VmHWM} ({@link ProcStatus}), sampled every {@value #POLL_MILLIS} ms until it
 * exits; the kernel keeps it monotonic, so the last sample is the peak up to at most
 * {@value #POLL_MILLIS} ms before the end. It is the RSS of that one process (a JVM in local mode
 * holds the Spark driver and its executors), not of its own children. Standard output and error go
 * to files.
 *
 * @param command what was run
 * @param exitCode its exit status
 * @param wallSeconds from start to exit
 * @param peakRssBytes the peak resident set size, or -1 where it could not be read (not Linux)
 * @param stdout where its standard output went
 * @param stderr where its standard error went
 */
public record ChildRun(List<String> command, int exitCode, double wallSeconds, long peakRssBytes, Path stdout,
    Path stderr) {
  /** How often the peak RSS is sampled: often enough for runs of seconds, cheap next to them. */
  public static final long POLL_MILLIS = 100;

  public ChildRun {
    command = List.copyOf(command);
  }

  /**
   * Runs a PyTorch yardstick in the working directory to its end, its output in {@code dir/name.out}
   * and {@code dir/name.err}: without this process's {@code OMP_NUM_THREADS} (the peer sizes its
   * own thread pools) and {@code MALLOC_ARENA_MAX} (glibc's defaults for the peer, whatever
   * ./spark-submit set for Magnet's JVMs).
   */
  public static ChildRun peer(List<String> command, Path dir, String name) throws IOException, InterruptedException {
    Map<String, String> unset = new HashMap<>();
    unset.put("OMP_NUM_THREADS", null);
    unset.put("MALLOC_ARENA_MAX", null);
    return run(command, unset, Path.of("").toAbsolutePath(), dir.resolve(name + ".out"), dir.resolve(name + ".err"));
  }

  /**
   * Runs {@code command} in {@code dir} to its end.
   *
   * @param environment changes to this process's environment: a null value removes the variable
   */
  public static ChildRun run(List<String> command, Map<String, String> environment, Path dir, Path stdout,
      Path stderr) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
    environment.forEach((k, v) -> {
      if (v == null) {
        builder.environment().remove(k);
      } else {
        builder.environment().put(k, v);
      }
    });
    long start = System.nanoTime();
    Process process = builder.start();
    // A bench stopped with Ctrl-C stops its child too, rather than leave a training JVM running.
    Thread stopChild = new Thread(process::destroy, "stop " + command.get(0));
    Runtime.getRuntime().addShutdownHook(stopChild);
    long peak = -1;
    try {
      do {
        OptionalLong now = ProcStatus.peakRssBytes(process.pid());
        if (now.isPresent()) {
          peak = Math.max(peak, now.getAsLong());
        }
      } while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS));
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(stopChild);
      } catch (IllegalStateException shuttingDown) {
        // The hook is running or about to: it stops the child.
      }
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    }
    return new ChildRun(command, process.exitValue(), (System.nanoTime() - start) / 1e9, peak, stdout, stderr);
  }

  /** Whether the peak RSS was measured. */
  public boolean hasPeakRss() {
    return peakRssBytes >= 0;
  }

  /** The peak RSS in MiB, NaN when it could not be read. */
  public double peakRssMib() {
    return hasPeakRss() ? peakRssBytes / (1024.0 * 1024.0) : Double.NaN;
  }
}
