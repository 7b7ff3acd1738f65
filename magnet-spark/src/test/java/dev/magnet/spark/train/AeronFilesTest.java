package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sizing and the removal of the Aeron directories of sharing runs, on real directories and processes. */
class AeronFilesTest {
  @Test
  void theTermHoldsSixteenChunksAsAPowerOfTwo() {
    // DL4J's 64 KiB chunks: 1 MiB terms, whose longest message (an eighth) is twice a chunk.
    assertEquals(1 << 20, AeronFiles.termBufferLength(65536));
    assertEquals(1 << 20, AeronFiles.termBufferLength(40_000));
    assertEquals(AeronFiles.MIN_TERM_LENGTH, AeronFiles.termBufferLength(1));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AeronFiles.termBufferLength(0));
    assertEquals("a message chunk must be positive and at most 67108864 bytes; maxChunkSize=0", bad.getMessage());
  }

  @Test
  void theNamesAreThoseOfTheApplication() {
    assertTrue(AeronFiles.stem("app-20261207061500-0001").endsWith("-magnet-app-20261207061500-0001"));
    assertTrue(AeronFiles.stem("local/1 2").endsWith("-magnet-local_1_2"));
  }

  /**
   * Of an application's directories, those of a process that is gone go, and this JVM's own only
   * when asked (after its transport shut down); a live process's and another application's stay.
   */
  @Test
  void onlyTheApplicationsDirectoriesOfStoppedProcessesAreRemoved(@TempDir Path shm) throws Exception {
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    long self = ProcessHandle.current().pid();
    long parent = ProcessHandle.current().parent().orElseThrow().pid();
    String stem = shm.resolve("aeron-someone-magnet-app-1").toString();
    Path killed = directory(stem + "-" + ended.pid() + "-1");
    Path live = directory(stem + "-" + parent + "-1");
    Path own = directory(stem + "-" + self + "-2");
    Path otherApplication = directory(shm.resolve("aeron-someone-magnet-app-10").toString() + "-" + ended.pid() + "-1");
    Path notOurs = directory(shm.resolve("aeron-someone-5f0c").toString());

    assertEquals(List.of(killed), AeronFiles.removeLeftovers(stem, false));
    assertTrue(Files.exists(live) && Files.exists(own) && Files.exists(otherApplication) && Files.exists(notOurs));
    assertEquals(List.of(own), AeronFiles.removeLeftovers(stem, true));
    assertTrue(Files.exists(live) && Files.exists(otherApplication) && Files.exists(notOurs));
  }

  private static Path directory(String name) throws Exception {
    Path dir = Files.createDirectories(Path.of(name, "publications"));
    Files.write(dir.resolve("1-2.logbuffer"), new byte[4096]);
    Files.write(dir.getParent().resolve("cnc.dat"), new byte[1024]);
    return dir.getParent();
  }
}
