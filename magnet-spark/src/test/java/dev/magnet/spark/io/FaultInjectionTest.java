package dev.magnet.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.util.AtOnce;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.io.FaultFs.Crash;
import dev.magnet.spark.io.PublishDirectory.Attempt;
import dev.magnet.spark.io.PublishDirectory.Gate;
import dev.magnet.spark.io.PublishDirectory.Published;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The publish, checkpoint and overwrite paths run through {@link FaultFs}: the process is killed
 * at every mutating file operation in turn (the operation does not happen, a file being closed is
 * left torn, and no clean-up of the dying process runs). After each kill, what a reader sees is
 * checked, and then a rerun in a fresh process must converge to the state of an undisturbed run
 * with nothing left behind.
 *
 * <ul>
 *   <li>Publishing: {@code LATEST} names a complete version, no version mixes two runs, the rerun
 *       ends with the run's version latest. With exclusive create and without (as on S3A, which
 *       the protocol does not rely on), and with latency between racing publishers. (Non-atomic
 *       renames are refused for publishing: {@code PublishDirectoryTest}.)
 *   <li>Checkpoints: the store resumes from a whole checkpoint; with non-atomic renames (s3a) a
 *       partial newest one is skipped, naming it.
 *   <li>Overwriting a model or a staged output: the old or the new one is whole at the path or
 *       under a hidden name, never neither; a failed rename keeps the new one and puts the old back.
 * </ul>
 */
class FaultInjectionTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] MODEL_FILES = {"model-a.txt", "model-b.txt"};

  @TempDir
  Path tmp;

  private final FaultFs.Faults faults = FaultFs.scenario();
  private final Configuration conf = faultConf();
  private final List<String> messages = Collections.synchronizedList(new ArrayList<>());

  /** What one kill-point sweep does: a fresh directory per point, the action, the checks. */
  private interface Sweep {
    /** Prepares a fresh directory for kill point k (no faults yet). */
    void setUp(int k) throws Exception;

    /** The operation killed: one run of a command's file work. */
    void act(int k) throws Exception;

    /** What a reader sees after the kill at point k, in a fresh process. */
    void checkAfterKill(int k) throws Exception;

    /** The rerun in a fresh process, and the state it must reach. */
    void rerunAndCheck(int k) throws Exception;
  }

  /**
   * A test run twice, its parameter {@code atomicRename}: with renames that are atomic and refuse an
   * existing target, as on HDFS, and with renames that copy each file and then delete it, as S3A's.
   */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ParameterizedTest(name = "atomic rename: {0}")
  @ValueSource(booleans = {true, false})
  @interface AtomicRenameOrCopy {}

  /**
   * Runs {@code sweep} undisturbed to count its mutating operations, then once per operation with
   * the process killed there; fails when there are fewer than {@code leastPoints}, as the sweep
   * would then test less than it says.
   */
  private void killAtEveryOperation(int leastPoints, Sweep sweep) throws Exception {
    sweep.setUp(-1);
    faults.restart();
    sweep.act(-1);
    int points = faults.operations();
    List<String> undisturbed = faults.log();
    System.out.println(points + " kill points, from " + undisturbed.get(0) + " to " + undisturbed.get(points - 1));
    for (int k = 0; k < points; k++) {
      faults.restart();
      sweep.setUp(k);
      faults.restart();
      faults.crashAt = k;
      int point = k;
      assertThrows(Crash.class, () -> sweep.act(point), "no crash at " + undisturbed.get(k));
      faults.restart();
      try {
        sweep.checkAfterKill(k);
        sweep.rerunAndCheck(k);
      } catch (AssertionError | Exception e) {
        throw new AssertionError("killed at " + undisturbed.get(k) + ": " + e.getMessage(), e);
      }
    }
    assertTrue(points >= leastPoints, points + " kill points");
  }

  private Path dir(String name, int k) {
    return tmp.resolve(name + "-" + (k < 0 ? "undisturbed" : String.valueOf(k)));
  }

  private String uri(Path local) {
    return faults.uri(local);
  }

  // --- Publishing -------------------------------------------------------------------------------

  /** One {@code train --publish-to} run of {@code runId}: checkpoints, staged files, commit. */
  private Published publishRun(Path root, String runId, double accuracy) throws IOException {
    return publishRun(conf, faults, root, runId, accuracy, messages::add);
  }

  /** The same, for {@link PublishKillMain} in its own JVM. */
  /** Two racing publishers, the better first: distinct versions, the better promoted and named by LATEST. */
  private static void assertTheBetterWon(List<Published> published, Path root) throws IOException {
    Published good = published.get(0);
    Published bad = published.get(1);
    assertTrue(good.publication().promoted());
    assertTrue(good.publication().version() != bad.publication().version());
    assertEquals(good.publication().name(), Files.readString(root.resolve(PublishDirectory.LATEST)).strip());
  }

  static Published publishRun(Configuration conf, FaultFs.Faults faults, Path root, String runId, double accuracy,
      java.util.function.Consumer<String> messages) throws IOException {
    Attempt attempt = new PublishDirectory(faults.uri(root), conf, messages).begin(runId,
        PublishDirectoryTest.VALIDATION, PublishDirectoryTest.METRIC, Gate.noWorseThanLatest(0));
    if (attempt.finished().isPresent()) {
      return attempt.finished().get();
    }
    FileSystem fs = FileSystem.get(java.net.URI.create(faults.uri(root)), conf);
    write(fs, attempt.checkpointPath() + "/epoch-0001/state.txt", runId);
    for (String file : MODEL_FILES) {
      write(fs, attempt.stagingPath() + "/" + file, runId);
    }
    return attempt.publish(Map.of(PublishDirectoryTest.METRIC, accuracy));
  }

  /** The configuration of the fault scheme, allowed to hold publish directories. */
  static Configuration faultConf() {
    Configuration conf = FaultFs.configure(new Configuration());
    conf.set(AtomicMoves.SCHEMES_KEY, "hdfs," + FaultFs.SCHEME);
    return conf;
  }

  private static void write(FileSystem fs, String path, String content) throws IOException {
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(path), true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** The names of the version directories {@code vN} in {@code root}, sorted; none when it does not exist. */
  private static Set<String> versionNames(Path root) throws IOException {
    Set<String> versions = new TreeSet<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> entries = Files.list(root)) {
        entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("v\\d+")).forEach(versions::add);
      }
    }
    return versions;
  }

  /**
   * What a consumer may rely on at any moment: {@code LATEST}, when present, names a promoted
   * version; every version is complete and holds one run's files only.
   */
  static void checkPublishDirectory(Path root) throws IOException {
    Set<String> versions = versionNames(root);
    for (String version : versions) {
      Path dir = root.resolve(version);
      JsonNode record = JSON.readTree(dir.resolve(PublishDirectory.METADATA).toFile());
      String runId = record.get("runId").asText();
      for (String file : MODEL_FILES) {
        assertEquals(runId, Files.readString(dir.resolve(file)), version + "/" + file + " is another run's or torn");
      }
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(MODEL_FILES.length + 1, files.count(), version + " holds files of another run");
      }
    }
    Path pointer = root.resolve(PublishDirectory.LATEST);
    if (Files.exists(pointer)) {
      String latest = Files.readString(pointer).strip();
      assertTrue(versions.contains(latest), "LATEST names " + latest + ", not a version: " + versions);
      assertTrue(JSON.readTree(root.resolve(latest).resolve(PublishDirectory.METADATA).toFile()).get("promoted")
          .asBoolean(), "LATEST names the refused " + latest);
    }
  }

  /**
   * Day 2's run (better than day 1's latest v1) killed at every operation, with create exclusive
   * or not: the protocol's only atomic step is the rename, so both converge the same way.
   */
  @ParameterizedTest(name = "exclusive create: {0}")
  @ValueSource(booleans = {true, false})
  void aPublishKilledAtAnyOperationLeavesLatestWholeAndItsRerunFinishesIt(boolean exclusiveCreate) throws Exception {
    faults.exclusiveCreate = exclusiveCreate;
    killAtEveryOperation(8, new Sweep() {
      @Override
      public void setUp(int k) throws IOException {
        assertEquals("v1", publishRun(dir("published", k), "day-1", 0.8).latest());
      }

      @Override
      public void act(int k) throws IOException {
        publishRun(dir("published", k), "day-2", 0.9);
      }

      @Override
      public void checkAfterKill(int k) throws IOException {
        Path root = dir("published", k);
        checkPublishDirectory(root);
        assertTrue(Files.exists(root.resolve(PublishDirectory.LATEST)), "LATEST vanished");
      }

      @Override
      public void rerunAndCheck(int k) throws IOException {
        Path root = dir("published", k);
        Published rerun = publishRun(root, "day-2", 0.9);
        assertEquals(2, rerun.publication().version(), rerun.toString());
        assertEquals("v2", rerun.latest());
        checkPublishDirectory(root);
        assertEquals("v2", Files.readString(root.resolve(PublishDirectory.LATEST)).strip());
        try (Stream<Path> entries = Files.list(root)) {
          assertEquals(List.of(".runs", "LATEST", "v1", "v2"), entries.map(p -> p.getFileName().toString()).sorted()
              .toList(), "the rerun leaves no staging or temporary file");
        }
        try (Stream<Path> runs = Files.list(root.resolve(PublishDirectory.RUNS))) {
          assertEquals(List.of(), runs.toList(), "the published runs' checkpoints are deleted");
        }
      }
    });
  }

  /**
   * The same run killed for real: a JVM of its own halts ({@code Runtime.halt}, as {@code kill -9})
   * at each operation in turn, its buffered writes lost; this process then checks and reruns.
   */
  @Test
  void aPublishProcessHaltedAtAnyOperationLeavesLatestWholeAndItsRerunFinishesIt() throws Exception {
    faults.restart();
    Path undisturbed = tmp.resolve("halt-undisturbed");
    publishRun(undisturbed, "day-1", 0.8);
    faults.restart();
    publishRun(undisturbed, "day-2", 0.9);
    int points = faults.operations();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int k = 0; k < points; k++) {
      faults.restart();
      Path root = tmp.resolve("halt-" + k);
      publishRun(root, "day-1", 0.8);
      Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          PublishKillMain.class.getName(), root.toString(), "day-2", "0.9", String.valueOf(k))
          .redirectErrorStream(true).redirectOutput(tmp.resolve("halt-" + k + ".log").toFile()).start();
      assertEquals(PublishKillMain.HALTED, child.waitFor(), "kill point " + k + ": "
          + Files.readString(tmp.resolve("halt-" + k + ".log")));
      faults.restart();
      checkPublishDirectory(root);
      Published rerun = publishRun(root, "day-2", 0.9);
      assertEquals("v2", rerun.latest(), "kill point " + k);
      checkPublishDirectory(root);
      assertEquals("v2", Files.readString(root.resolve(PublishDirectory.LATEST)).strip());
    }
  }

  /**
   * Two publishers through a slow file system without exclusive create (each operation 2 ms, the
   * window between a create's check and its write too): distinct versions, LATEST at the better.
   */
  @Test
  void racingPublishersWithLatencyAndNonExclusiveCreateStillGetDistinctVersions() throws Exception {
    faults.exclusiveCreate = false;
    faults.latencyMillis = 2;
    for (int round = 0; round < 3; round++) {
      Path root = tmp.resolve("race-" + round);
      assertTheBetterWon(AtOnce.call(() -> publishRun(root, "good", 0.9), () -> publishRun(root, "bad", 0.6)), root);
      checkPublishDirectory(root);
    }
  }

  // --- Publishing on an object store -------------------------------------------------------------

  /**
   * The fault scheme as an object store: renames that copy, a create that checks and then
   * creates, files that appear whole at their close, and S3's create-if-absent (a PUT with
   * If-None-Match: *), with no atomic rename allowed: a publish directory there commits by
   * claiming its version's record and copying.
   */
  private Configuration objectStore() {
    faults.atomicRename = false;
    faults.exclusiveCreate = false;
    faults.wholeObjects = true;
    faults.conditionalCreate = true;
    return FaultFs.configure(new Configuration());
  }

  /**
   * What a consumer may rely on at any moment on an object store: {@code LATEST}, when present,
   * names a complete, promoted version; a version being copied holds its claim and some of its
   * run's files, never another run's.
   */
  static void checkObjectStoreDirectory(Path root) throws IOException {
    Set<String> versions = versionNames(root);
    for (String version : versions) {
      Path dir = root.resolve(version);
      String runId = JSON.readTree(dir.resolve(PublishDirectory.METADATA).toFile()).get("runId").asText();
      boolean whole = Files.exists(dir.resolve(PublishDirectory.COMPLETE));
      for (String file : MODEL_FILES) {
        if (whole || Files.exists(dir.resolve(file))) {
          assertEquals(runId, Files.readString(dir.resolve(file)), version + "/" + file + " is another run's or torn");
        }
      }
      try (Stream<Path> files = Files.list(dir)) {
        long count = files.count();
        assertTrue(whole ? count == MODEL_FILES.length + 2 : count <= MODEL_FILES.length + 1,
            version + " holds " + count + " files");
      }
    }
    Path pointer = root.resolve(PublishDirectory.LATEST);
    if (Files.exists(pointer)) {
      String latest = Files.readString(pointer).strip();
      assertTrue(Files.exists(root.resolve(latest).resolve(PublishDirectory.COMPLETE)), "LATEST names " + latest
          + ", which is not a complete version");
      assertTrue(JSON.readTree(root.resolve(latest).resolve(PublishDirectory.METADATA).toFile()).get("promoted")
          .asBoolean(), "LATEST names the refused " + latest);
    }
  }

  /**
   * Day 2's run killed at every operation on an object store, the claim of v2 and each file of its
   * copy included. After each kill, the next run of another id (day 3, better) finishes a claimed
   * v2 at its begin and publishes v3; the rerun of day 2 then finds its version without training
   * again when it had claimed one, and is otherwise published and refused by the gate (v3 is
   * better). Nothing is left behind.
   */
  @Test
  void aPublishToAnObjectStoreKilledAtAnyOperationIsFinishedByTheNextRunOfAnyId() throws Exception {
    Configuration s3 = objectStore();
    killAtEveryOperation(10, new Sweep() {
      @Override
      public void setUp(int k) throws IOException {
        assertEquals("v1", publishRun(s3, faults, dir("s3", k), "day-1", 0.8, messages::add).latest());
      }

      @Override
      public void act(int k) throws IOException {
        publishRun(s3, faults, dir("s3", k), "day-2", 0.9, messages::add);
      }

      @Override
      public void checkAfterKill(int k) throws IOException {
        checkObjectStoreDirectory(dir("s3", k));
        assertTrue(Files.exists(dir("s3", k).resolve(PublishDirectory.LATEST)), "LATEST vanished");
      }

      @Override
      public void rerunAndCheck(int k) throws IOException {
        Path root = dir("s3", k);
        boolean claimed = Files.exists(root.resolve("v2").resolve(PublishDirectory.METADATA));
        boolean copied = Files.exists(root.resolve("v2").resolve(PublishDirectory.COMPLETE));
        messages.clear();
        Published other = publishRun(s3, faults, root, "day-3", 0.95, messages::add);
        assertEquals(claimed ? 3 : 2, other.publication().version(), other.toString());
        assertEquals(other.publication().name(), other.latest());
        assertEquals(claimed && !copied, messages.stream().anyMatch(m -> m.contains("v2 (run day-2) was claimed but"
            + " not copied whole")), messages.toString());
        checkObjectStoreDirectory(root);

        Published rerun = publishRun(s3, faults, root, "day-2", 0.9, messages::add);
        assertEquals(claimed ? 2 : 3, rerun.publication().version(), rerun.toString());
        assertEquals(claimed, rerun.publication().promoted(), "promoted over v1 when claimed first; else refused");
        assertEquals(other.publication().name(), rerun.latest());
        checkObjectStoreDirectory(root);
        for (String version : List.of("v1", "v2", "v3")) {
          assertTrue(Files.exists(root.resolve(version).resolve(PublishDirectory.COMPLETE)), version + " is whole");
        }
        try (Stream<Path> entries = Files.list(root)) {
          assertEquals(List.of(".runs", "LATEST", "v1", "v2", "v3"), entries.map(p -> p.getFileName().toString())
              .sorted().toList(), "no staging or temporary file is left");
        }
        try (Stream<Path> runs = Files.list(root.resolve(PublishDirectory.RUNS))) {
          assertEquals(List.of(), runs.toList(), "the published runs' checkpoints are deleted");
        }
      }
    });
  }

  /**
   * A read of LATEST on S3 while another publisher replaces it fails with S3A's
   * RemoteFileChangedException, which S3A does not retry: the publisher reads it again (seen
   * once in S3Test's race of two publishers); any other read failure still fails at once.
   */
  @Test
  void aPointerReplacedWhileItIsReadIsReadAgain() throws Exception {
    Configuration s3 = objectStore();
    Path root = tmp.resolve("s3-changed");
    assertEquals("v1", publishRun(s3, faults, root, "day-1", 0.8, messages::add).latest());
    faults.changedWhileRead = PublishDirectory.LATEST;
    faults.changedReads.set(PublishDirectory.POINTER_READS - 1);
    assertEquals("v2", publishRun(s3, faults, root, "day-2", 0.9, messages::add).latest());
    assertTrue(faults.changedReads.get() < 0, "every injected failure was met, and reads after them succeeded");
    assertEquals("v2", Files.readString(root.resolve(PublishDirectory.LATEST)).strip());
    checkObjectStoreDirectory(root);

    faults.changedReads.set(1000);
    IOException persistent = assertThrows(IOException.class,
        () -> publishRun(s3, faults, root, "day-3", 0.95, messages::add));
    assertTrue(PublishDirectory.changedWhileRead(persistent), persistent.toString());
    faults.changedReads.set(0);
    assertFalse(PublishDirectory.changedWhileRead(new IOException("disk error")));
    assertTrue(PublishDirectory.changedWhileRead(new IOException("wrapped",
        new org.apache.hadoop.fs.s3a.RemoteFileChangedException("p", "read", "changed"))));
    assertEquals("v3", publishRun(s3, faults, root, "day-3", 0.95, messages::add).latest(),
        "a run that failed on the read publishes when run again");
    checkObjectStoreDirectory(root);
  }

  /**
   * An S3-compatible endpoint that ignores If-None-Match would let two publishers claim one
   * version: begin's probe finds it out before anything is trained or written, and says so.
   */
  @Test
  void anObjectStoreThatIgnoresConditionalPutsIsRefusedBeforeAnythingIsWritten() throws Exception {
    Configuration s3 = objectStore();
    Path root = tmp.resolve("s3-ignores");
    assertEquals("v1", publishRun(s3, faults, root, "day-1", 0.8, messages::add).latest());
    faults.conditionIgnored = true;
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> publishRun(s3, faults, root, "day-2", 0.9, messages::add));
    assertTrue(refused.getMessage().startsWith("cannot publish to " + faults.uri(root) + ": its store accepted a second"
        + " create-if-absent (PUT with If-None-Match: *) of "), refused.getMessage());
    assertTrue(refused.getMessage().endsWith(PublishDirectory.PROBE + " and overwrote the first, so two publishers"
        + " could claim one version; publish to an endpoint with conditional writes (AWS S3 has them since August"
        + " 2024), to hdfs:// or to a local (or NFS) path (docs/reliability.md)"), refused.getMessage());
    assertFalse(Files.exists(root.resolve(PublishDirectory.RUNS).resolve("day-2").resolve(PublishDirectory.PROBE)),
        "the probe is deleted");
    assertEquals("v1", Files.readString(root.resolve(PublishDirectory.LATEST)).strip());
    assertFalse(Files.exists(root.resolve("v2")));
    faults.conditionIgnored = false;
    assertEquals("v2", publishRun(s3, faults, root, "day-2", 0.9, messages::add).latest());
  }

  /**
   * Two publishers on a slow object store (each operation 2 ms): distinct versions, each whole,
   * LATEST at the better, whichever claimed first.
   */
  @Test
  void racingPublishersOnAnObjectStoreGetDistinctWholeVersions() throws Exception {
    Configuration s3 = objectStore();
    faults.latencyMillis = 2;
    for (int round = 0; round < 3; round++) {
      Path root = tmp.resolve("s3-race-" + round);
      assertTheBetterWon(AtOnce.call(() -> publishRun(s3, faults, root, "good", 0.9, messages::add),
          () -> publishRun(s3, faults, root, "bad", 0.6, messages::add)), root);
      checkObjectStoreDirectory(root);
      for (String version : List.of("v1", "v2")) {
        assertTrue(Files.exists(root.resolve(version).resolve(PublishDirectory.COMPLETE)), version + " is whole");
      }
    }
  }

  // --- Checkpoints ------------------------------------------------------------------------------

  private static List<SparkEpochMetrics> history(int epochs) {
    List<SparkEpochMetrics> history = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      history.add(CheckpointStoreTest.epoch(e));
    }
    return history;
  }

  /**
   * Epoch 3's checkpoint (which prunes epoch 1) killed at every operation: the store resumes from
   * a whole checkpoint, 2 or 3; with renames that copy (s3a), a partial epoch-0003 is skipped with
   * a message naming it. The rerun's write converges to epochs 2 and 3 and nothing else.
   */
  @AtomicRenameOrCopy
  void aCheckpointKilledAtAnyOperationResumesFromAWholeOne(boolean atomicRename) throws Exception {
    faults.atomicRename = atomicRename;
    ModelArtifact model = TestModels.tiny();
    List<String> skipped = new ArrayList<>();
    killAtEveryOperation(10, new Sweep() {
      private CheckpointStore store(int k) {
        return new CheckpointStore(uri(dir("ckpt", k)), conf);
      }

      @Override
      public void setUp(int k) throws IOException {
        store(k).write(1, model, history(1));
        store(k).write(2, model, history(2));
      }

      @Override
      public void act(int k) throws IOException {
        store(k).write(3, model, history(3));
      }

      @Override
      public void checkAfterKill(int k) throws IOException {
        skipped.clear();
        CheckpointStore.Checkpoint latest = store(k).latest(skipped::add).orElseThrow();
        assertTrue(latest.epoch() == 2 || latest.epoch() == 3, "resumed from epoch " + latest.epoch());
        assertEquals(history(latest.epoch()), latest.history());
        assertEquals(model.embed(TestModels.input()), latest.model().embed(TestModels.input()));
        if (atomicRename) {
          assertEquals(List.of(), skipped, "on an atomic store no checkpoint is ever partial");
        }
        for (String message : skipped) {
          assertTrue(message.startsWith("checkpoint " + uri(dir("ckpt", k)) + "/epoch-0003 is incomplete or corrupt,"
              + " skipped: "), message);
        }
      }

      @Override
      public void rerunAndCheck(int k) throws IOException {
        store(k).write(3, model, history(3));
        assertEquals(3, store(k).latest(skipped::add).orElseThrow().epoch());
        try (Stream<Path> entries = Files.list(dir("ckpt", k))) {
          assertEquals(List.of("epoch-0002", "epoch-0003"), entries.map(p -> p.getFileName().toString()).sorted()
              .toList(), "nothing else is left");
        }
      }
    });
  }

  // --- Overwrite --------------------------------------------------------------------------------

  /** A second model, told from {@link TestModels#tiny} by its class names. */
  private static ModelArtifact renamed(ModelArtifact model) {
    return new ModelArtifact(model.network(), model.index(), List.of("ant", "bee"), model.params(),
        model.networkSpec(), model.provenance());
  }

  /** The class names of the models that load at {@code target} and at its hidden siblings. */
  private Map<String, List<String>> loadable(Path target) throws IOException {
    Map<String, List<String>> models = new java.util.TreeMap<>();
    try (Stream<Path> entries = Files.list(target.getParent())) {
      for (Path candidate : entries.filter(p -> p.getFileName().toString().startsWith(target.getFileName().toString())
          || p.getFileName().toString().startsWith("." + target.getFileName() + ".")).toList()) {
        try {
          models.put(candidate.getFileName().toString(), HadoopModelDirectory.load(uri(candidate), conf).labelNames());
        } catch (IOException e) {
          models.put(candidate.getFileName().toString(), List.of("unreadable: " + e.getMessage()));
        }
      }
    }
    return models;
  }

  /**
   * {@code train --output X --overwrite} of model B over model A, killed at every operation: X or a
   * hidden sibling always holds a whole model (A, or B once B is in place), a partial X fails to
   * load with an error naming its file, and the rerun leaves X = B and nothing else.
   */
  @AtomicRenameOrCopy
  void anOverwriteKilledAtAnyOperationLosesNeitherModel(boolean atomicRename) throws Exception {
    faults.atomicRename = atomicRename;
    ModelArtifact a = TestModels.tiny();
    ModelArtifact b = renamed(a);
    killAtEveryOperation(10, new Sweep() {
      private Path target(int k) {
        return dir("models", k).resolve("model");
      }

      @Override
      public void setUp(int k) throws IOException {
        HadoopModelDirectory.save(a, uri(target(k)), conf, false);
      }

      @Override
      public void act(int k) throws IOException {
        HadoopModelDirectory.save(b, uri(target(k)), conf, true);
      }

      @Override
      public void checkAfterKill(int k) throws IOException {
        Map<String, List<String>> models = loadable(target(k));
        List<String> atTarget = models.getOrDefault("model", List.of("absent"));
        boolean whole = atTarget.equals(List.of("cat", "dog")) || atTarget.equals(List.of("ant", "bee"));
        if (!whole) {
          assertTrue(models.containsValue(List.of("cat", "dog")) || models.containsValue(List.of("ant", "bee")),
              "no whole model anywhere: " + models);
          assertTrue(atTarget.equals(List.of("absent")) || atTarget.get(0).startsWith("unreadable: "), models.toString());
          if (atomicRename) {
            assertEquals(List.of("absent"), atTarget, "on an atomic store the target is never partial: " + models);
          }
        }
      }

      @Override
      public void rerunAndCheck(int k) throws IOException {
        HadoopModelDirectory.save(b, uri(target(k)), conf, true);
        assertEquals(Map.of("model", List.of("ant", "bee")), loadable(target(k)));
      }
    });
  }

  /**
   * The embedding table's {@link StagedOutput} replacing an earlier one, killed at every operation:
   * the old or the new table is whole at the path or under a hidden name, and the rerun converges.
   */
  @AtomicRenameOrCopy
  void aStagedOutputKilledAtAnyOperationLosesNeitherTable(boolean atomicRename) throws Exception {
    faults.atomicRename = atomicRename;
    killAtEveryOperation(8, new Sweep() {
      private Path target(int k) {
        return dir("tables", k).resolve("embeddings");
      }

      private void table(int k, String content) throws IOException {
        StagedOutput output = StagedOutput.of(uri(target(k)), conf);
        FileSystem fs = FileSystem.get(java.net.URI.create(output.stagingPath()), conf);
        for (String part : List.of("part-00000", "part-00001", "_SUCCESS")) {
          write(fs, output.stagingPath() + "/" + part, content);
        }
        output.publish();
      }

      @Override
      public void setUp(int k) throws IOException {
        table(k, "old");
      }

      @Override
      public void act(int k) throws IOException {
        table(k, "new");
      }

      @Override
      public void checkAfterKill(int k) throws IOException {
        Map<String, String> tables = new java.util.TreeMap<>();
        try (Stream<Path> entries = Files.list(dir("tables", k))) {
          for (Path table : entries.toList()) {
            tables.put(table.getFileName().toString(), wholeTable(table));
          }
        }
        String atTarget = tables.getOrDefault("embeddings", "absent");
        if (!atTarget.equals("old") && !atTarget.equals("new")) {
          assertTrue(tables.containsValue("old") || tables.containsValue("new"), "no whole table: " + tables);
          if (atomicRename) {
            assertEquals("absent", atTarget, "on an atomic store the target is never partial: " + tables);
          }
        }
      }

      @Override
      public void rerunAndCheck(int k) throws IOException {
        table(k, "new");
        try (Stream<Path> entries = Files.list(dir("tables", k))) {
          assertEquals(List.of("embeddings"), entries.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals("new", wholeTable(target(k)));
      }
    });
  }

  /** "old" or "new" when every part of the table says so and the marker is there, else what is wrong. */
  private static String wholeTable(Path table) throws IOException {
    Set<String> contents = new TreeSet<>();
    for (String part : List.of("part-00000", "part-00001", "_SUCCESS")) {
      Path file = table.resolve(part);
      contents.add(Files.exists(file) ? Files.readString(file) : "missing " + part);
    }
    if (!Files.exists(table.resolve(dev.magnet.core.model.OutputMarker.FILE_NAME))) {
      contents.add("no marker");
    }
    return contents.size() == 1 ? contents.iterator().next() : contents.toString();
  }

  /**
   * The rename that moves the new model into place fails (it used to delete the new model, with the
   * old one already moved aside): the error says where the new model is kept, the old one is back.
   */
  @Test
  void aFailedSecondRenameKeepsTheNewModelAndPutsTheOldOneBack() throws Exception {
    Path target = tmp.resolve("model");
    HadoopModelDirectory.save(TestModels.tiny(), uri(target), conf, false);
    faults.failWhen = op -> op.startsWith("rename " + uri(tmp) + "/.model.tmp-");
    faults.restart();
    IOException e = assertThrows(IOException.class,
        () -> HadoopModelDirectory.save(renamed(TestModels.tiny()), uri(target), conf, true));
    assertTrue(e.getMessage().startsWith("cannot rename " + uri(tmp) + "/.model.tmp-"), e.getMessage());
    assertTrue(e.getMessage().contains(" to " + uri(target) + " (injected failure: rename "), e.getMessage());
    assertTrue(e.getMessage().endsWith("; the previous " + uri(target) + " is back in place"), e.getMessage());
    String kept = e.getMessage().substring(e.getMessage().indexOf("the new output is kept in ") + 26,
        e.getMessage().indexOf("; the previous"));
    faults.failWhen = op -> false;
    assertEquals(List.of("cat", "dog"), HadoopModelDirectory.load(uri(target), conf).labelNames());
    assertEquals(List.of("ant", "bee"), HadoopModelDirectory.load(kept, conf).labelNames());
  }

  /** The same for the embedding table: the old table is back, the new one kept and named. */
  @Test
  void aFailedSecondRenameOfAStagedOutputKeepsBothTables() throws Exception {
    Path target = tmp.resolve("embeddings");
    FileSystem fs = FileSystem.get(java.net.URI.create(uri(tmp)), conf);
    StagedOutput first = StagedOutput.of(uri(target), conf);
    write(fs, first.stagingPath() + "/part-00000", "old");
    first.publish();
    StagedOutput second = StagedOutput.of(uri(target), conf);
    write(fs, second.stagingPath() + "/part-00000", "new");
    faults.failWhen = op -> op.equals("rename " + second.stagingPath() + " " + uri(target));
    IOException e = assertThrows(IOException.class, second::publish);
    assertEquals("cannot rename " + second.stagingPath() + " to " + uri(target) + " (injected failure: rename "
        + second.stagingPath() + " " + uri(target) + "); the new output is kept in " + second.stagingPath()
        + "; the previous " + uri(target) + " is back in place", e.getMessage());
    second.discard(); // what the embedding job does after a failure: the new table must survive it
    assertEquals("old", Files.readString(target.resolve("part-00000")));
    assertEquals("new", Files.readString(faults.local(second.stagingPath()).resolve("part-00000")));
  }

  /** The fault file system itself: a crash stops the operation it hits and every later one, until a restart. */
  @Test
  void aCrashStopsItsOperationAndEveryLaterOne() throws IOException {
    FileSystem fs = FileSystem.get(java.net.URI.create(uri(tmp)), conf);
    org.apache.hadoop.fs.Path x = new org.apache.hadoop.fs.Path(uri(tmp.resolve("x")));
    faults.crashAt = 0;
    Crash crash = assertThrows(Crash.class, () -> fs.mkdirs(x));
    assertEquals("mkdirs " + x, crash.getMessage());
    assertThrows(Crash.class, () -> fs.exists(x), "a dead process does nothing more");
    assertFalse(Files.exists(tmp.resolve("x")));
    faults.restart();
    assertTrue(fs.mkdirs(x));
    assertTrue(Files.isDirectory(tmp.resolve("x")));
  }
}
