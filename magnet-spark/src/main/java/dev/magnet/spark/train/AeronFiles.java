package dev.magnet.spark.train;

import io.aeron.CommonContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of the Aeron media driver that DL4J's gradient sharing starts in every JVM of a sharing
 * run (docs/scaling.md, "Aeron's files in /dev/shm"): where they go, how large they are, and that
 * they go away.
 *
 * <p>DL4J 1.0.0-M2's {@code AeronUdpTransport} launches an embedded {@code MediaDriver} per
 * transport (one per {@code SharedTrainingMaster} on the driver, one per executor JVM), which
 * Aeron places in a fresh {@code /dev/shm/aeron-<user>-<uuid>}; DL4J raises the term buffer length
 * to 32 MiB, so each connection's log buffer takes 3 × 32 MiB of shared memory, and every node
 * connects to every other. Closing the transport (a new master, or DL4J's JVM shutdown hook)
 * closes the driver, which unmaps the files but deletes the directory only when
 * {@code aeron.dir.delete.on.shutdown} is set, and it is not by default. {@link #prepare} sets
 * Aeron's own switches in each JVM just before DL4J starts its driver there:
 * <ul>
 *   <li>{@code aeron.dir.delete.on.shutdown=true}: closing the driver deletes its directory;
 *   <li>{@code aeron.term.buffer.length} = {@link #termBufferLength} of DL4J's message chunks
 *       (1 MiB for its 64 KiB chunks) instead of 32 MiB;
 *   <li>{@code aeron.dir} = a name of this application and this process
 *       ({@code <aeron dir>-magnet-<application id>-<pid>-<n>}), so what a killed JVM left can be
 *       told apart from what live ones use.
 * </ul>
 * A property already set (by {@code -D} in the JVM's options) is left as it is, except
 * {@code aeron.dir}, whose value then becomes the stem of the names.
 *
 * <p>Each JVM also deletes its own directories in a shutdown hook of its own, at once when it is
 * told to stop: a standalone worker stops an executor with SIGTERM and, 10 s later, SIGKILL, and
 * an executor whose mesh lost a peer can take longer than that to close DL4J's transport, whose
 * delete-on-shutdown then never runs. Unlinking the files while the driver still maps them is
 * safe: the memory goes when the process does.
 *
 * <p>A JVM killed outright (SIGKILL, the kernel's OOM killer) runs no shutdown hook, so its
 * directory stays. Aeron offers nothing for that case ({@code aeron.dir.delete.on.start} only
 * concerns a driver restarted at the same name), hence {@link #removeLeftovers}, written here: it
 * deletes only directories named for this application, on this host, whose process is gone or is
 * this JVM after its transport shut down.
 */
final class AeronFiles {
  private static final Logger LOG = LoggerFactory.getLogger(AeronFiles.class);

  static final String DIR = CommonContext.AERON_DIR_PROP_NAME;
  static final String DELETE_ON_SHUTDOWN = "aeron.dir.delete.on.shutdown";
  static final String TERM_BUFFER_LENGTH = "aeron.term.buffer.length";
  static final String UNBLOCK_TIMEOUT = "aeron.publication.unblock.timeout";

  /**
   * Aeron's publication unblock timeout, 60 s. DL4J sets Aeron's client liveness timeout to 30 s,
   * and Aeron 1.32 (the version DL4J 1.0.0-M2 brings) refuses to start its media driver unless the
   * unblock timeout is longer; its default is 15 s ("publicationUnblockTimeoutNs=15000000000 <=
   * clientLivenessTimeoutNs=30000000000").
   */
  static final String UNBLOCK_TIMEOUT_NS = "60000000000";

  /**
   * Aeron's longest message is an eighth of the term length; a term of 16 chunks leaves room for
   * twice DL4J's largest message, a chunk of an array plus its header (the handshake and mesh
   * messages, which DL4J does not split, are a few hundred bytes per node).
   */
  static final int CHUNKS_PER_TERM = 16;

  /** Aeron's shortest term (64 KiB). */
  static final int MIN_TERM_LENGTH = 64 * 1024;

  /** The stem of the names, read before this class sets {@value #DIR}: Aeron's default or the JVM's own. */
  private static final String BASE = System.getProperty(DIR, CommonContext.AERON_DIR_PROP_DEFAULT);
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  /** Stems whose JVM shutdown hook is registered. */
  private static final java.util.Set<String> HOOKED = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private AeronFiles() {}

  /** The term length, a power of two, for DL4J messages of at most {@code maxChunkSize} bytes a chunk. */
  static int termBufferLength(int maxChunkSize) {
    if (maxChunkSize <= 0 || maxChunkSize > (1 << 30) / CHUNKS_PER_TERM) {
      throw new IllegalArgumentException("a message chunk must be positive and at most "
          + (1 << 30) / CHUNKS_PER_TERM + " bytes; maxChunkSize=" + maxChunkSize);
    }
    int length = Integer.highestOneBit(maxChunkSize * CHUNKS_PER_TERM - 1) << 1;
    return Math.max(MIN_TERM_LENGTH, length);
  }

  /** The stem of the directory names of an application's JVMs on this host. */
  static String stem(String applicationId) {
    return BASE + "-magnet-" + applicationId.replaceAll("[^A-Za-z0-9_.-]", "_");
  }

  /**
   * Readies this JVM for the media driver DL4J starts next: Aeron's switches (see the class doc)
   * and a directory name of its own. Also removes what killed JVMs of the application left on this
   * host ({@link #removeLeftovers}).
   *
   * @return the directory the next media driver of this JVM uses
   */
  static synchronized String prepare(String applicationId, int termBufferLength) {
    setIfAbsent(UNBLOCK_TIMEOUT, UNBLOCK_TIMEOUT_NS);
    setIfAbsent(DELETE_ON_SHUTDOWN, "true");
    setIfAbsent(TERM_BUFFER_LENGTH, Integer.toString(termBufferLength));
    String stem = stem(applicationId);
    removeLeftovers(stem, false);
    if (HOOKED.add(stem)) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          removeLeftovers(stem, true);
        } catch (RuntimeException e) {
          LOG.warn("could not delete this JVM's Aeron directories at shutdown: {}", e.toString());
        }
      }, "magnet-aeron-files"));
    }
    String dir = stem + "-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
    System.setProperty(DIR, dir);
    return dir;
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * Deletes the directories of {@code stem}'s application on this host that no JVM uses any more:
   * those of processes that are gone (killed, so no shutdown hook deleted them) and, with
   * {@code thisJvm}, this JVM's own, which are left only if its transport failed to close its
   * driver: pass {@code true} only after this JVM's transport has shut down (DL4J runs at most one
   * per JVM).
   *
   * @return the directories deleted
   */
  static List<Path> removeLeftovers(String stem, boolean thisJvm) {
    Path stemPath = Path.of(stem);
    Path parent = stemPath.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      return List.of();
    }
    Pattern ours = Pattern.compile(Pattern.quote(stemPath.getFileName().toString()) + "-(\\d+)-\\d+");
    long self = ProcessHandle.current().pid();
    List<Path> removed = new ArrayList<>();
    try (Stream<Path> entries = Files.list(parent)) {
      for (Path dir : entries.toList()) {
        Matcher name = ours.matcher(dir.getFileName().toString());
        if (!name.matches()) {
          continue;
        }
        long pid = Long.parseLong(name.group(1));
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        if (pid == self ? !thisJvm : alive) {
          continue;
        }
        deleteTree(dir);
        removed.add(dir);
      }
    } catch (IOException e) {
      LOG.warn("could not list {} for Aeron directories left by this application: {}", parent, e.toString());
    }
    if (!removed.isEmpty()) {
      LOG.info("removed Aeron directories left by stopped JVMs of this application: {}", removed);
    }
    return removed;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete the Aeron directory " + dir, e);
    }
  }
}
