package dev.magnet.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.io.PublishDirectory.Candidate;
import dev.magnet.spark.io.PublishDirectory.Gate;
import dev.magnet.spark.io.PublishDirectory.Published;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing on the local file system with real files: the pointer, the gate, racing publishers in
 * threads, and a publish killed half-way. (The model files are stand-ins: publishing moves
 * directories and never reads them.)
 */
class PublishDirectoryTest {
  private static final String VALIDATION = "synthetic:per=5 of synthetic:classes=3";
  private static final String METRIC = "knn1_accuracy";

  @TempDir
  Path tmp;

  private final Configuration conf = new Configuration();
  private final List<String> messages = Collections.synchronizedList(new ArrayList<>());

  private PublishDirectory dir() throws IOException {
    return new PublishDirectory(tmp.resolve("published").toString(), conf, messages::add);
  }

  private static Candidate candidate(String runId, double accuracy) {
    return new Candidate(runId, VALIDATION, METRIC, Map.of(METRIC, accuracy));
  }

  /** A staged version with one file, as {@code train} would leave it. */
  private static String stage(PublishDirectory dir, String runId) throws IOException {
    String staging = dir.stagingPath(runId);
    Path local = Path.of(new org.apache.hadoop.fs.Path(staging).toUri());
    Files.createDirectories(local);
    Files.writeString(local.resolve("model.txt"), runId);
    return staging;
  }

  private String pointer() throws IOException {
    return Files.readString(tmp.resolve("published").resolve(PublishDirectory.LATEST), StandardCharsets.UTF_8).strip();
  }

  @Test
  void aFirstPublicationBecomesV1AndLatestAndResolves() throws IOException {
    PublishDirectory dir = dir();
    assertEquals(Optional.empty(), dir.latest());
    Published published = dir.publish(stage(dir, "day-1"), candidate("day-1", 0.8), Gate.always());
    assertEquals(1, published.publication().version());
    assertTrue(published.publication().promoted());
    assertEquals("v1", pointer());
    assertEquals("day-1", Files.readString(tmp.resolve("published/v1/model.txt")));
    assertEquals(published.path(), PublishDirectory.resolve(tmp.resolve("published").toString(), conf));
    assertEquals(published.path(), PublishDirectory.resolve(tmp.resolve("published/latest").toString(), conf));
    assertEquals(Optional.of("day-1"), dir.findRun("day-1").map(PublishDirectory.Publication::runId));
    assertEquals(Optional.empty(), dir.findRun("day-2"));
    // a model directory that is no publish directory resolves to itself
    assertEquals(tmp.toString(), PublishDirectory.resolve(tmp.toString(), conf));
  }

  @Test
  void aWorseModelIsKeptButRefusedAndLatestStays() throws IOException {
    PublishDirectory dir = dir();
    dir.publish(stage(dir, "day-1"), candidate("day-1", 0.8), Gate.always());
    Candidate worse = candidate("day-2", 0.7);
    Published refused = dir.publish(stage(dir, "day-2"), worse, Gate.noWorseThanLatest(worse, 0.05));
    assertFalse(refused.publication().promoted());
    assertEquals(2, refused.publication().version());
    assertEquals("v1", refused.publication().previous());
    assertEquals(List.of("knn1_accuracy=0.7 is worse than latest v1's 0.8 by more than the tolerance 0.05"),
        refused.publication().refusals());
    assertEquals("v1", pointer());
    Candidate within = candidate("day-3", 0.76);
    assertTrue(dir.publish(stage(dir, "day-3"), within, Gate.noWorseThanLatest(within, 0.05)).publication().promoted());
    assertEquals("v3", pointer());
  }

  @Test
  void anotherValidationSetOrMetricIsRefusedNamingBoth() throws IOException {
    PublishDirectory dir = dir();
    dir.publish(stage(dir, "day-1"), candidate("day-1", 0.8), Gate.always());
    Candidate other = new Candidate("day-2", "fashion-mnist-test", METRIC, Map.of(METRIC, 0.99));
    Published refused = dir.publish(stage(dir, "day-2"), other, Gate.noWorseThanLatest(other, 0));
    assertEquals(List.of("cannot compare with latest v1: it was measured with knn1_accuracy on validation '"
        + VALIDATION + "', this run with knn1_accuracy on validation 'fashion-mnist-test'"),
        refused.publication().refusals());
    assertEquals("v1", pointer());
  }

  @Test
  void badRunIdsAndTolerancesAreRejectedNamingTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> candidate("../x", 1));
    assertEquals("run id must be 1-100 letters, digits, '.', '_' or '-'; run id=../x", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Gate.noWorseThanLatest(candidate("a", 1), -0.1));
    assertEquals("tolerance must be finite and >= 0; tolerance=-0.1", e.getMessage());
  }

  /**
   * Two publishers race, many times: the lock gives them distinct versions, and with
   * {@code --no-worse-than latest} the pointer ends at the better one whichever came first (the
   * worse one is refused when second, superseded when first).
   */
  @Test
  void racingPublishersGetDistinctVersionsAndLatestEndsAtTheBetter() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 15; round++) {
        Path root = tmp.resolve("race-" + round);
        PublishDirectory dir = new PublishDirectory(root.toString(), conf, messages::add);
        Candidate good = candidate("good", 0.9);
        Candidate bad = candidate("bad", 0.6);
        String goodStage = stage(dir, "good");
        String badStage = stage(dir, "bad");
        CyclicBarrier start = new CyclicBarrier(2);
        Future<Published> a = pool.submit(() -> {
          start.await();
          return new PublishDirectory(root.toString(), conf, messages::add)
              .publish(goodStage, good, Gate.noWorseThanLatest(good, 0));
        });
        Future<Published> b = pool.submit(() -> {
          start.await();
          return new PublishDirectory(root.toString(), conf, messages::add)
              .publish(badStage, bad, Gate.noWorseThanLatest(bad, 0));
        });
        Published pa = a.get();
        Published pb = b.get();
        assertEquals(List.of(1, 2), dir.versions());
        assertTrue(pa.publication().version() != pb.publication().version());
        assertTrue(pa.publication().promoted(), pa.toString());
        assertEquals(pa.publication().name(), Files.readString(root.resolve(PublishDirectory.LATEST)).strip());
        // the worse one moved the pointer only if it came first
        assertEquals(pb.publication().version() == 1, pb.publication().promoted(), pb.toString());
        assertFalse(Files.exists(root.resolve(PublishDirectory.LOCK)));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(), messages, "no lock was stale");
  }

  /**
   * The same race between two JVMs (the lock is a file, so threads of one process prove little
   * about processes): each stages its version, both publish once a go file appears.
   */
  @Test
  void racingPublishersInTwoProcessesLeaveLatestAtTheBetter() throws Exception {
    Path root = tmp.resolve("processes");
    Path go = tmp.resolve("go");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> processes = new ArrayList<>();
    List<java.io.BufferedReader> outputs = new ArrayList<>();
    for (String[] run : new String[][] {{"good", "0.9"}, {"bad", "0.6"}}) {
      Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          PublishRaceMain.class.getName(), root.toString(), run[0], run[1], go.toString())
          .redirectError(tmp.resolve(run[0] + ".err").toFile()).start();
      processes.add(process);
      outputs.add(new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
    }
    try {
      for (java.io.BufferedReader out : outputs) {
        assertEquals("staged", line(out, "staged"));
      }
      Files.createFile(go);
      List<String> results = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        results.add(line(outputs.get(i), "v\\d+ (true|false)"));
        assertEquals(0, processes.get(i).waitFor(), Files.readString(tmp.resolve(i == 0 ? "good.err" : "bad.err")));
      }
      PublishDirectory dir = new PublishDirectory(root.toString(), conf, messages::add);
      assertEquals(List.of(1, 2), dir.versions(), results.toString());
      assertEquals("good", dir.latest().orElseThrow().runId(), results.toString());
      assertTrue(results.get(0).endsWith(" true"), results.toString());
      assertFalse(Files.exists(root.resolve(PublishDirectory.LOCK)));
    } finally {
      processes.forEach(Process::destroy);
    }
  }

  /** The first line matching {@code regex} (the child's log lines go to standard output too), or null at the end. */
  private static String line(java.io.BufferedReader out, String regex) throws IOException {
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.matches(regex)) {
        return line;
      }
    }
    return null;
  }

  /** Without a comparison both are promoted in turn and the pointer ends at the later version. */
  @Test
  void racingPublishersWithoutAGateLeaveLatestAtTheLaterVersion() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      PublishDirectory dir = dir();
      List<Future<Published>> runs = new ArrayList<>();
      CyclicBarrier start = new CyclicBarrier(4);
      for (int i = 0; i < 4; i++) {
        String runId = "run-" + i;
        String staging = stage(dir, runId);
        runs.add(pool.submit(() -> {
          start.await();
          return dir().publish(staging, candidate(runId, 0.5), Gate.always());
        }));
      }
      List<Integer> numbers = new ArrayList<>();
      for (Future<Published> run : runs) {
        numbers.add(run.get().publication().version());
      }
      numbers.sort(null);
      assertEquals(List.of(1, 2, 3, 4), numbers);
      assertEquals("v4", pointer());
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A run killed half-way leaves a staging directory and its lock: neither is ever latest, and the
   * next run takes the stale lock over, saying so, and publishes the next version.
   */
  @Test
  void aKilledPublishIsNeverLatestAndItsStaleLockIsRecovered() throws IOException {
    PublishDirectory dir = dir();
    dir.publish(stage(dir, "day-1"), candidate("day-1", 0.8), Gate.always());
    Path root = tmp.resolve("published");
    // the killed run: a half-written staging directory, and the lock taken an hour ago
    String dead = stage(dir, "day-2");
    Files.writeString(root.resolve(PublishDirectory.LOCK), "{\"owner\":\"4242@worker-7\",\"runId\":\"day-2\","
        + "\"acquiredAtMillis\":" + Instant.now().minus(Duration.ofHours(1)).toEpochMilli() + "}");
    assertEquals("v1", pointer());
    assertEquals(List.of(1), dir.versions());
    assertTrue(PublishDirectory.resolve(root.toString(), conf).endsWith("/published/v1"));

    Published next = dir.publish(stage(dir, "day-3"), candidate("day-3", 0.85), Gate.always());
    assertEquals(2, next.publication().version());
    assertEquals("v2", pointer());
    assertEquals(1, messages.size(), messages.toString());
    assertTrue(messages.get(0).startsWith("recovered a stale publish lock in file:" + root
        + " held by run day-2 (4242@worker-7) since "), messages.get(0));
    assertTrue(messages.get(0).endsWith("older than PT30M"), messages.get(0));
    assertTrue(Files.exists(Path.of(new org.apache.hadoop.fs.Path(dead).toUri())), "the dead run's files are kept");
    assertFalse(Files.exists(root.resolve(PublishDirectory.LOCK)));
  }

  /** A fresh lock of the same run id is an earlier attempt of this run that died: taken over at once. */
  @Test
  void aLockOfTheSameRunIdIsRecoveredAtOnce() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("published"));
    Files.writeString(root.resolve(PublishDirectory.LOCK), "{\"owner\":\"1@a\",\"runId\":\"day-5\",\"acquiredAtMillis\":"
        + Instant.now().toEpochMilli() + "}");
    PublishDirectory dir = dir();
    dir.publish(stage(dir, "day-5"), candidate("day-5", 0.8), Gate.always());
    assertEquals("v1", pointer());
    assertTrue(messages.get(0).endsWith("an earlier attempt of this run id"), messages.toString());
  }

  /** A live lock of another run is waited for, then the publish goes ahead. */
  @Test
  void aLiveLockOfAnotherRunIsWaitedFor() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("published"));
    Path lock = root.resolve(PublishDirectory.LOCK);
    Files.writeString(lock, "{\"owner\":\"1@a\",\"runId\":\"other\",\"acquiredAtMillis\":" + Instant.now().toEpochMilli()
        + "}");
    PublishDirectory dir = dir();
    String staging = stage(dir, "day-6");
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Published> waiting = pool.submit(() -> dir.publish(staging, candidate("day-6", 0.8), Gate.always()));
      // it cannot finish while the other run holds the lock
      Thread.sleep(300);
      assertFalse(waiting.isDone());
      assertFalse(Files.exists(root.resolve(PublishDirectory.LATEST)));
      Files.delete(lock);
      assertEquals(1, waiting.get().publication().version());
      assertEquals("v1", pointer());
      assertEquals(List.of(), messages);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPublishDirectoryWithoutAnAcceptedVersionDoesNotResolve() throws IOException {
    PublishDirectory dir = dir();
    Candidate first = candidate("day-1", 0.1);
    dir.publish(stage(dir, "day-1"), first, latest -> List.of("below the minimum"));
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> PublishDirectory.resolve(tmp.resolve("published").toString(), conf));
    assertTrue(e.getMessage().endsWith("has no LATEST (no version passed its gate yet)"), e.getMessage());
  }
}
