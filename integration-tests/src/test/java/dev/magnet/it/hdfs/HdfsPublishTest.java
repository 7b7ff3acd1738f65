package dev.magnet.it.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.io.PublishDirectory.Candidate;
import dev.magnet.spark.io.PublishDirectory.Gate;
import dev.magnet.spark.io.PublishDirectory.Published;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishing on real HDFS (MiniDFSCluster): there the lock is {@code create(path, overwrite=false)}
 * on the name node and the pointer moves with {@code FileContext.rename(OVERWRITE)}, not the
 * {@code java.nio} route the local file system takes, so the local tests prove nothing about it.
 * A worse model is refused and {@code LATEST} stays; racing publishers get distinct versions and
 * {@code LATEST} ends at the better; a publish killed half-way is never latest and its stale lock
 * is recovered.
 */
class HdfsPublishTest {
  private static final String VALIDATION = "hdfs holdout";
  private static final String METRIC = "knn1_accuracy";

  private static MiniDFSCluster dfs;
  private static FileSystem fs;
  private static Configuration conf;

  @TempDir
  static Path tmp;

  private final List<String> messages = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() throws IOException {
    conf = new Configuration();
    File base = Files.createDirectories(tmp.resolve("dfs")).toFile();
    dfs = new MiniDFSCluster.Builder(conf, base).numDataNodes(1).build();
    dfs.waitActive();
    fs = dfs.getFileSystem();
    conf = fs.getConf();
  }

  @AfterAll
  static void stop() {
    if (dfs != null) {
      dfs.shutdown();
    }
  }

  private static String root(String name) {
    return dfs.getURI() + "/published/" + name;
  }

  private static Candidate candidate(String runId, double accuracy) {
    return new Candidate(runId, VALIDATION, METRIC, Map.of(METRIC, accuracy));
  }

  /** A staged version with one file on HDFS, as {@code train} would leave it. */
  private static String stage(PublishDirectory dir, String runId) throws IOException {
    String staging = dir.stagingPath(runId);
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(staging, "model.txt"), false)) {
      out.write(runId.getBytes(StandardCharsets.UTF_8));
    }
    return staging;
  }

  private static String read(String path) throws IOException {
    try (var in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }

  @Test
  void aWorseModelIsRefusedAndLatestStaysOnHdfs() throws IOException {
    String root = root("gate");
    PublishDirectory dir = new PublishDirectory(root, conf, messages::add);
    dir.publish(stage(dir, "day-1"), candidate("day-1", 0.8), Gate.always());
    Candidate worse = candidate("day-2", 0.7);
    Published refused = dir.publish(stage(dir, "day-2"), worse, Gate.noWorseThanLatest(worse, 0.05));
    assertFalse(refused.publication().promoted());
    assertEquals("v1", read(root + "/" + PublishDirectory.LATEST));
    assertEquals("day-1", read(PublishDirectory.resolve(root, conf) + "/model.txt"));
    assertEquals("day-2", read(root + "/v2/model.txt"), "the refused version is kept for inspection");
  }

  @Test
  void racingPublishersOnHdfsGetDistinctVersionsAndLatestEndsAtTheBetter() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 5; round++) {
        String root = root("race-" + round);
        PublishDirectory dir = new PublishDirectory(root, conf, messages::add);
        Candidate good = candidate("good", 0.9);
        Candidate bad = candidate("bad", 0.6);
        String goodStage = stage(dir, "good");
        String badStage = stage(dir, "bad");
        CyclicBarrier start = new CyclicBarrier(2);
        Future<Published> a = pool.submit(() -> {
          start.await();
          return new PublishDirectory(root, conf, messages::add).publish(goodStage, good, Gate.noWorseThanLatest(good, 0));
        });
        Future<Published> b = pool.submit(() -> {
          start.await();
          return new PublishDirectory(root, conf, messages::add).publish(badStage, bad, Gate.noWorseThanLatest(bad, 0));
        });
        Published pa = a.get();
        Published pb = b.get();
        assertEquals(List.of(1, 2), dir.versions());
        assertTrue(pa.publication().promoted(), pa.toString());
        assertEquals(pa.publication().name(), read(root + "/" + PublishDirectory.LATEST));
        assertEquals(pb.publication().version() == 1, pb.publication().promoted(), pb.toString());
        assertFalse(fs.exists(new org.apache.hadoop.fs.Path(root, PublishDirectory.LOCK)));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of(), messages, "no lock was stale");
  }

  @Test
  void aKilledPublishOnHdfsIsNeverLatestAndItsStaleLockIsRecovered() throws IOException {
    String root = root("killed");
    PublishDirectory dir = new PublishDirectory(root, conf, messages::add);
    dir.publish(stage(dir, "day-1"), candidate("day-1", 0.8), Gate.always());
    String dead = stage(dir, "day-2");
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(root, PublishDirectory.LOCK), false)) {
      out.write(("{\"owner\":\"4242@worker-7\",\"runId\":\"day-2\",\"acquiredAtMillis\":"
          + Instant.now().minus(Duration.ofHours(1)).toEpochMilli() + "}").getBytes(StandardCharsets.UTF_8));
    }
    assertEquals("v1", read(root + "/" + PublishDirectory.LATEST));
    assertEquals(List.of(1), dir.versions());

    Published next = dir.publish(stage(dir, "day-3"), candidate("day-3", 0.85), Gate.always());
    assertEquals(2, next.publication().version());
    assertEquals("v2", read(root + "/" + PublishDirectory.LATEST));
    assertEquals(1, messages.size(), messages.toString());
    assertTrue(messages.get(0).contains("held by run day-2 (4242@worker-7)"), messages.get(0));
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(dead)), "the dead run's files are kept");
    assertFalse(fs.exists(new org.apache.hadoop.fs.Path(root, PublishDirectory.LOCK)));
  }
}
