package dev.magnet.it.cluster;

import io.aeron.CommonContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Aeron media-driver directories that a sharing application's JVMs keep in shared memory on
 * this host, named {@code /dev/shm/aeron-<user>-magnet-<application id>-<pid>-<n>}
 * (docs/scaling.md, "Aeron's files in /dev/shm"). Named per application, so that the tests see
 * only their own runs' directories, not those of other sharing runs on the machine.
 */
final class AeronDirectories {
  private static final Pattern PID = Pattern.compile("-(\\d+)-\\d+$");
  /** How long the executors get to exit (and their shutdown hooks to delete) after the driver has; a bound, not a speed check. */
  private static final long EXIT_LIMIT_MS = 90_000;

  private AeronDirectories() {}

  /** The application's directories on this host now. */
  static List<Path> of(String applicationId) {
    Path stem = Path.of(CommonContext.AERON_DIR_PROP_DEFAULT + "-magnet-" + applicationId + "-");
    try (Stream<Path> entries = Files.list(stem.getParent())) {
      return entries.filter(p -> p.getFileName().toString().startsWith(stem.getFileName().toString())).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The processes that the directories belong to. */
  static Set<Long> processes(List<Path> directories) {
    return directories.stream().map(p -> PID.matcher(p.getFileName().toString())).filter(Matcher::find)
        .map(m -> Long.parseLong(m.group(1))).collect(Collectors.toSet());
  }

  /** Waits for the applications' JVMs to be gone from shared memory; fails naming what is left. */
  static void assertNoneLeft(Collection<String> applicationIds) throws InterruptedException {
    long deadline = System.currentTimeMillis() + EXIT_LIMIT_MS;
    List<Path> left = List.of();
    while (System.currentTimeMillis() < deadline) {
      left = applicationIds.stream().flatMap(id -> of(id).stream()).toList();
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("Aeron directories left in shared memory " + EXIT_LIMIT_MS / 1000
        + " s after the applications " + applicationIds + " ended: " + left);
  }
}
