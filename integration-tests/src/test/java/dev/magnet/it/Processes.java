package dev.magnet.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Waiting for, reading the logs of and killing the processes the cluster tests start. */
public final class Processes {
  /** How long a wait for a daemon or a job event may take: only bounds a hang (a loaded 2-core machine needs minutes). */
  private static final Duration LIMIT = Duration.ofMinutes(10);
  private static final Duration POLL = Duration.ofMillis(200);

  private Processes() {}

  /** Kills a process and everything it started, as a lost machine would (SIGKILL). */
  public static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until {@code log} has a line matching {@code pattern}; its first group (or the match). */
  public static String awaitMatch(Path log, Pattern pattern, Process process) {
    String[] found = new String[1];
    await(() -> {
      try {
        Matcher m = pattern.matcher(Files.exists(log) ? Files.readString(log) : "");
        if (m.find()) {
          found[0] = m.groupCount() > 0 ? m.group(1) : m.group();
          return true;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("process exited (" + process.exitValue() + ") before '" + pattern + "' in "
            + log + ":\n" + tail(log));
      }
      return false;
    }, "'" + pattern + "' in " + log);
    return found[0];
  }

  /** Polls {@code condition} every 200 ms; fails after ten minutes, which only a hang reaches. */
  public static void await(BooleanSupplier condition, String what) {
    await(condition, what, POLL);
  }

  /** {@link #await(BooleanSupplier, String)}, looking every {@code poll}. */
  public static void await(BooleanSupplier condition, String what, Duration poll) {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + what);
      }
      try {
        Thread.sleep(poll.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  /** The last 40 lines of a log, for failure messages. */
  public static String tail(Path log) {
    return tail(log, 40);
  }

  /** The last {@code n} lines of a log. */
  public static String tail(Path log, int n) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
