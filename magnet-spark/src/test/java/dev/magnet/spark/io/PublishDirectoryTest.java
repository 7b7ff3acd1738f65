package dev.magnet.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.util.AtOnce;
import dev.magnet.spark.io.PublishDirectory.Attempt;
import dev.magnet.spark.io.PublishDirectory.Gate;
import dev.magnet.spark.io.PublishDirectory.Published;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing on the local file system with real files: the pointer, the gate, racing publishers in
 * threads and in processes, two attempts of one run id, and reruns after a kill (every kill point
 * is tried in {@link FaultInjectionTest}). The model files are stand-ins: publishing moves
 * directories and never reads them.
 */
class PublishDirectoryTest {
  static final String VALIDATION = "synthetic:per=5 of synthetic:classes=3";
  static final String METRIC = "knn1_accuracy";

  @TempDir
  Path tmp;

  private final Configuration conf = new Configuration();
  private final List<String> messages = Collections.synchronizedList(new ArrayList<>());

  private PublishDirectory dir() throws IOException {
    return new PublishDirectory(tmp.resolve("published").toString(), conf, messages::add);
  }

  /** One run of {@code train --publish-to}: begin, stage the version unless finished, publish. */
  static Published run(PublishDirectory dir, String runId, double accuracy, Gate gate) throws IOException {
    Attempt attempt = dir.begin(runId, VALIDATION, METRIC, gate);
    if (attempt.finished().isPresent()) {
      return attempt.finished().get();
    }
    stage(attempt, runId);
    return attempt.publish(Map.of(METRIC, accuracy));
  }

  /** A staged version with one file, as {@code train} would leave it. */
  static void stage(Attempt attempt, String runId) throws IOException {
    Path local = Path.of(new org.apache.hadoop.fs.Path(attempt.stagingPath()).toUri());
    Files.createDirectories(local);
    Files.writeString(local.resolve("model.txt"), runId);
  }

  private String pointer() throws IOException {
    return Files.readString(tmp.resolve("published").resolve(PublishDirectory.LATEST), StandardCharsets.UTF_8).strip();
  }

  private List<String> hidden() throws IOException {
    try (Stream<Path> files = Files.list(tmp.resolve("published"))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
    }
  }

  @Test
  void aFirstPublicationBecomesV1AndLatestAndResolves() throws IOException {
    PublishDirectory dir = dir();
    assertEquals(Optional.empty(), dir.latest());
    Published published = run(dir, "day-1", 0.8, Gate.always());
    assertEquals(1, published.publication().version());
    assertTrue(published.publication().promoted());
    assertEquals("v1", published.latest());
    assertEquals("v1", pointer());
    assertEquals("day-1", Files.readString(tmp.resolve("published/v1/model.txt")));
    assertEquals(published.path(), PublishDirectory.resolve(tmp.resolve("published").toString(), conf));
    assertEquals(published.path(), PublishDirectory.resolve(tmp.resolve("published/latest").toString(), conf));
    assertEquals(Optional.of("day-1"), dir.findRun("day-1").map(PublishDirectory.Publication::runId));
    assertEquals(Optional.empty(), dir.findRun("day-2"));
    assertEquals(List.of(), hidden(), "no staging, temporary or lock file is left");
    // a model directory that is no publish directory resolves to itself
    assertEquals(tmp.toString(), PublishDirectory.resolve(tmp.toString(), conf));
  }

  @Test
  void aWorseModelIsKeptButRefusedAndLatestStays() throws IOException {
    PublishDirectory dir = dir();
    run(dir, "day-1", 0.8, Gate.always());
    Published refused = run(dir, "day-2", 0.7, Gate.noWorseThanLatest(0.05));
    assertFalse(refused.publication().promoted());
    assertEquals(2, refused.publication().version());
    assertEquals("v1", refused.publication().previous());
    assertEquals("v1", refused.latest());
    assertEquals(List.of("knn1_accuracy=0.7 is worse than latest v1's 0.8 by more than the tolerance 0.05"),
        refused.publication().refusals());
    assertEquals("v1", pointer());
    assertTrue(run(dir, "day-3", 0.76, Gate.noWorseThanLatest(0.05)).publication().promoted());
    assertEquals("v3", pointer());
  }

  @Test
  void aComparingGateRefusesALatestMeasuredOtherwiseBeforeAnythingIsTrained() throws IOException {
    PublishDirectory dir = dir();
    run(dir, "day-1", 0.8, Gate.always());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dir.begin("day-2", "fashion-mnist-test", METRIC, Gate.noWorseThanLatest(0)));
    assertEquals("cannot compare with latest v1: it was measured with knn1_accuracy on validation '" + VALIDATION
        + "', this run with knn1_accuracy on validation 'fashion-mnist-test'; measure on the same validation data with"
        + " the same metric, or publish to another directory", e.getMessage());
    // without a comparison, another validation set is fine
    assertFalse(dir.begin("day-2", "fashion-mnist-test", METRIC, Gate.always()).finished().isPresent());
    // and should the latest change under a running attempt, the gate refuses at the commit
    PublishDirectory.Publication v1 = dir.latest().orElseThrow();
    assertEquals(List.of("cannot compare with latest v1: it was measured with knn1_accuracy on validation '"
        + VALIDATION + "', this run with knn1_accuracy on validation 'other'"), Gate.noWorseThanLatest(0).refusals(
            new PublishDirectory.Candidate("x", "other", METRIC, Map.of(METRIC, 1.0)), Optional.of(v1)));
  }

  @Test
  void badRunIdsAndTolerancesAreRejectedNamingTheValue() throws IOException {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> dir().begin("../x", VALIDATION, METRIC, Gate.always()));
    assertEquals("run id must be 1-100 letters, digits, '.', '_' or '-'; run id=../x", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Gate.noWorseThanLatest(-0.1));
    assertEquals("tolerance must be finite and >= 0; tolerance=-0.1", e.getMessage());
  }

  /**
   * Two publishers race, many times: each commit is a rename that refuses an existing name, so they
   * get distinct versions, and with {@code --no-worse-than latest} the pointer ends at the better
   * one whichever came first (the worse one is refused when second, superseded when first).
   */
  @Test
  void racingPublishersGetDistinctVersionsAndLatestEndsAtTheBetter() throws Exception {
    for (int round = 0; round < 15; round++) {
      Path root = tmp.resolve("race-" + round);
      Attempt good = new PublishDirectory(root.toString(), conf, messages::add).begin("good", VALIDATION, METRIC,
          Gate.noWorseThanLatest(0));
      Attempt bad = new PublishDirectory(root.toString(), conf, messages::add).begin("bad", VALIDATION, METRIC,
          Gate.noWorseThanLatest(0));
      stage(good, "good");
      stage(bad, "bad");
      List<Published> published = AtOnce.call(() -> good.publish(Map.of(METRIC, 0.9)),
          () -> bad.publish(Map.of(METRIC, 0.6)));
      Published pa = published.get(0);
      Published pb = published.get(1);
      PublishDirectory dir = new PublishDirectory(root.toString(), conf, messages::add);
      assertEquals(List.of(1, 2), dir.versions());
      assertTrue(pa.publication().version() != pb.publication().version());
      assertTrue(pa.publication().promoted(), pa.toString());
      assertEquals(pa.publication().name(), Files.readString(root.resolve(PublishDirectory.LATEST)).strip());
      // the worse one moved the pointer only if it came first
      assertEquals(pb.publication().version() == 1, pb.publication().promoted(), pb.toString());
      assertEquals("good", Files.readString(root.resolve(pa.publication().name()).resolve("model.txt")));
      assertEquals("bad", Files.readString(root.resolve(pb.publication().name()).resolve("model.txt")));
    }
    assertEquals(List.of(), messages);
  }

  /**
   * The same race between two JVMs (file system semantics, not threads of one process): each
   * stages its version, both publish once a go file appears.
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

  /** Without a comparison all are promoted in turn and the pointer ends at the highest version. */
  @Test
  void racingPublishersWithoutAGateLeaveLatestAtTheLaterVersion() throws Exception {
    List<Callable<Published>> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String runId = "run-" + i;
      Attempt attempt = dir().begin(runId, VALIDATION, METRIC, Gate.always());
      stage(attempt, runId);
      runs.add(() -> attempt.publish(Map.of(METRIC, 0.5)));
    }
    List<Integer> numbers = new ArrayList<>();
    for (Published run : AtOnce.call(runs)) {
      numbers.add(run.publication().version());
    }
    numbers.sort(null);
    assertEquals(List.of(1, 2, 3, 4), numbers);
    assertEquals("v4", pointer());
  }

  /**
   * Two attempts of one run id (an Airflow retry while the first attempt still runs) both train and
   * both publish: the run id is checked again at the commit, so the run publishes once, and the
   * later attempt gets the earlier one's version.
   */
  @Test
  void twoAttemptsOfOneRunIdPublishOneVersion() throws Exception {
    for (int round = 0; round < 10; round++) {
      Path root = tmp.resolve("retry-" + round);
      List<Callable<Published>> attempts = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Attempt attempt = new PublishDirectory(root.toString(), conf, messages::add).begin("day-9", VALIDATION,
            METRIC, Gate.always());
        stage(attempt, "day-9");
        attempts.add(() -> attempt.publish(Map.of(METRIC, 0.5)));
      }
      List<Published> results = AtOnce.call(attempts);
      assertEquals(results.get(0).publication(), results.get(1).publication());
      assertEquals(List.of(1), new PublishDirectory(root.toString(), conf, m -> {}).versions());
      try (Stream<Path> files = Files.list(root)) {
        assertEquals(List.of("LATEST", "v1"), files.map(p -> p.getFileName().toString()).sorted().toList(),
            "the other attempt's staging is gone");
      }
    }
    assertEquals(10, messages.size(), messages.toString());
    assertTrue(messages.get(0).startsWith("run day-9 was published as v1 by another attempt while this one ran"),
        messages.get(0));
  }

  /**
   * A run killed after committing v2 and before moving the pointer: its rerun finishes the promotion
   * (it used to say "already published" and leave LATEST at v1 for good), and so would any other
   * run's begin.
   */
  @Test
  void aRerunFinishesAPromotionThatAKillInterrupted() throws IOException {
    PublishDirectory dir = dir();
    run(dir, "day-1", 0.8, Gate.always());
    run(dir, "day-2", 0.9, Gate.always());
    Path root = tmp.resolve("published");
    Files.writeString(root.resolve(PublishDirectory.LATEST), "v1\n"); // the kill: v2 committed, LATEST not moved
    assertEquals("v1", pointer());

    Attempt rerun = dir().begin("day-2", VALIDATION, METRIC, Gate.always());
    assertEquals(2, rerun.finished().orElseThrow().publication().version());
    assertEquals("v2", rerun.finished().get().latest());
    assertEquals("v2", pointer());
    assertEquals(List.of("LATEST in file:" + root + " named v1, behind v2 (run day-2), which was promoted without"
        + " moving it (its publisher died, or is moving it now); LATEST now names v2"), messages);

    Files.writeString(root.resolve(PublishDirectory.LATEST), "v1\n");
    assertFalse(dir().begin("day-3", VALIDATION, METRIC, Gate.always()).finished().isPresent());
    assertEquals("v2", pointer(), "another run id's begin repairs the pointer too");
  }

  /** A run killed after staging its version and its record, before the rename: the rerun commits it, training nothing. */
  @Test
  void aRerunCommitsAVersionThatAKillLeftStaged() throws IOException {
    PublishDirectory dir = dir();
    run(dir, "day-1", 0.8, Gate.always());
    Attempt killed = dir().begin("day-2", VALIDATION, METRIC, Gate.always());
    stage(killed, "day-2");
    Path staged = Path.of(new org.apache.hadoop.fs.Path(killed.stagingPath()).toUri());
    Files.writeString(staged.resolve(PublishDirectory.METADATA), "{\"formatVersion\":1,\"version\":2,\"runId\":\"day-2\","
        + "\"promoted\":true,\"validation\":\"" + VALIDATION + "\",\"metric\":\"" + METRIC + "\",\"metrics\":{\""
        + METRIC + "\":0.9}}");
    Attempt torn = dir().begin("day-3", VALIDATION, METRIC, Gate.always());
    stage(torn, "day-3"); // an attempt of another run, killed while writing: no record

    Attempt rerun = dir().begin("day-2", VALIDATION, METRIC, Gate.noWorseThanLatest(0));
    Published finished = rerun.finished().orElseThrow();
    assertEquals(2, finished.publication().version());
    assertTrue(finished.publication().promoted());
    assertEquals("v1", finished.publication().previous());
    assertEquals("v2", pointer());
    assertEquals("day-2", Files.readString(tmp.resolve("published/v2/model.txt")));
    assertTrue(messages.get(0).startsWith("an earlier attempt of run day-2 left its version complete in "), messages.toString());
    assertEquals(List.of(new org.apache.hadoop.fs.Path(torn.stagingPath()).getName()), hidden(),
        "only the other run's staging is left");
  }

  @Test
  void aLockFileOfAnEarlierMagnetNeitherBlocksNorIsNeeded() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("published"));
    Files.writeString(root.resolve(".lock"), "{\"owner\":\"4242@worker-7\",\"runId\":\"day-2\",\"acquiredAtMillis\":1}");
    assertEquals(1, run(dir(), "day-3", 0.85, Gate.always()).publication().version());
    assertEquals("v1", pointer());
  }

  @Test
  void aVersionThatMagnetDidNotPublishIsAnErrorNamingIt() throws IOException {
    run(dir(), "day-1", 0.8, Gate.always());
    Path foreign = Files.createDirectories(tmp.resolve("published/v2"));
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> dir().begin("day-2", VALIDATION, METRIC, Gate.always()));
    assertEquals("file:" + foreign + " has no publish.json: it was not published by Magnet; move it out of file:"
        + tmp.resolve("published"), e.getMessage());
  }

  /**
   * An object store whose client has no create-if-absent (S3's scheme served by a file system that
   * is not S3A and declares no conditional create) is refused for publishing, saying why and what
   * to use; it is still read ({@code --init-from}, {@code embed --model DIR/latest}). S3A itself
   * publishes: {@code FaultInjectionTest} (the protocol) and {@code S3Test} (S3A against s3proxy).
   */
  @Test
  void anObjectStoreWithoutCreateIfAbsentIsRefusedForPublishingSayingWhatToUseInstead() throws IOException {
    FaultFs.Faults s3 = FaultFs.scenario();
    s3.atomicRename = false;
    s3.exclusiveCreate = false;
    Configuration s3conf = FaultFs.configure(new Configuration(), "s3a");
    String root = "s3a://" + s3.uri(tmp.resolve("bucket")).substring("fault://".length());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new PublishDirectory(root, s3conf, messages::add).begin("day-1", VALIDATION, METRIC, Gate.always()));
    assertEquals("cannot publish to " + root + ": a publish directory needs a file system whose rename is atomic and"
        + " refuses an existing target, or whose create can refuse an existing file atomically (S3 through s3a://);"
        + " s3a:// renames by copying each file, and this file system (dev.magnet.spark.io.FaultFs) offers no"
        + " create-if-absent (S3A does, through a conditional PUT); publish to hdfs://, s3a:// or a local (or NFS)"
        + " path, or, for a file system whose rename is atomic, add its scheme to the Hadoop setting"
        + " magnet.publish.atomic-schemes (docs/reliability.md)", e.getMessage());
    assertFalse(Files.exists(tmp.resolve("bucket")), "nothing was written");

    Files.createDirectories(tmp.resolve("bucket/v1"));
    Files.writeString(tmp.resolve("bucket/LATEST"), "v1\n");
    assertEquals(root + "/v1", PublishDirectory.resolve(root + "/latest", s3conf));
  }

  @Test
  void aPublishDirectoryWithoutAnAcceptedVersionDoesNotResolve() throws IOException {
    run(dir(), "day-1", 0.1, (candidate, latest) -> List.of("below the minimum"));
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> PublishDirectory.resolve(tmp.resolve("published").toString(), conf));
    assertTrue(e.getMessage().endsWith("has no LATEST (no version passed its gate yet)"), e.getMessage());
  }
}
