package dev.magnet.it.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.util.AtOnce;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.io.PublishDirectory.Attempt;
import dev.magnet.spark.io.PublishDirectory.Gate;
import dev.magnet.spark.io.PublishDirectory.Published;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Publishing on real HDFS (MiniDFSCluster): there a version is committed by {@code FileContext}'s
 * rename without overwrite on the name node and the pointer replaced by its rename with
 * {@code OVERWRITE}, not the {@code java.nio} route the local file system takes, so the local tests
 * prove nothing about it. A worse model is refused and {@code LATEST} stays; racing publishers get
 * distinct versions and {@code LATEST} ends at the better; two attempts of one run id publish once;
 * a publish killed after its commit is finished by its rerun.
 */
class HdfsPublishTest {
  private static final String VALIDATION = "hdfs holdout";
  private static final String METRIC = "knn1_accuracy";

  @RegisterExtension
  static final MiniHdfs HDFS = new MiniHdfs();
  private static FileSystem fs;
  private static Configuration conf;

  private final List<String> messages = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void start() {
    fs = HDFS.fs();
    conf = fs.getConf();
  }

  private static String root(String name) {
    return HDFS.uri("/published/" + name);
  }

  private PublishDirectory dir(String root) throws IOException {
    return new PublishDirectory(root, conf, messages::add);
  }

  /** A begun attempt with its version staged on HDFS (one file naming the run), as {@code train} would leave it. */
  private Attempt staged(String root, String runId, Gate gate) throws IOException {
    Attempt attempt = dir(root).begin(runId, VALIDATION, METRIC, gate);
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(attempt.stagingPath(), "model.txt"), false)) {
      out.write(runId.getBytes(StandardCharsets.UTF_8));
    }
    return attempt;
  }

  private Published run(String root, String runId, double accuracy, Gate gate) throws IOException {
    return staged(root, runId, gate).publish(Map.of(METRIC, accuracy));
  }

  private static String read(String path) throws IOException {
    try (var in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
  }

  @Test
  void aWorseModelIsRefusedAndLatestStaysOnHdfs() throws IOException {
    String root = root("gate");
    run(root, "day-1", 0.8, Gate.always());
    Published refused = run(root, "day-2", 0.7, Gate.noWorseThanLatest(0.05));
    assertFalse(refused.publication().promoted());
    assertEquals("v1", read(root + "/" + PublishDirectory.LATEST));
    assertEquals("day-1", read(PublishDirectory.resolve(root, conf) + "/model.txt"));
    assertEquals("day-2", read(root + "/v2/model.txt"), "the refused version is kept for inspection");
  }

  @Test
  void racingPublishersOnHdfsGetDistinctVersionsAndLatestEndsAtTheBetter() throws Exception {
    for (int round = 0; round < 5; round++) {
      String root = root("race-" + round);
      List<Callable<Published>> attempts = new ArrayList<>();
      double[] accuracies = {0.9, 0.6, 0.7, 0.8};
      for (int i = 0; i < accuracies.length; i++) {
        Attempt attempt = staged(root, "run-" + i, Gate.noWorseThanLatest(0));
        double accuracy = accuracies[i];
        attempts.add(() -> attempt.publish(Map.of(METRIC, accuracy)));
      }
      List<Published> results = AtOnce.call(attempts);
      List<Integer> numbers = new ArrayList<>();
      for (Published result : results) {
        numbers.add(result.publication().version());
      }
      numbers.sort(null);
      assertEquals(List.of(1, 2, 3, 4), numbers);
      assertEquals(List.of(1, 2, 3, 4), dir(root).versions());
      Published best = results.get(0);
      assertTrue(best.publication().promoted(), best.toString());
      assertEquals(best.publication().name(), read(root + "/" + PublishDirectory.LATEST));
      for (int i = 0; i < results.size(); i++) {
        assertEquals("run-" + i, read(root + "/" + results.get(i).publication().name() + "/model.txt"),
            "no version mixes two runs");
      }
    }
    assertEquals(List.of(), messages);
  }

  /** An Airflow retry racing the attempt it replaced: one version, and both attempts report it. */
  @Test
  void twoAttemptsOfOneRunIdPublishOnceOnHdfs() throws Exception {
    for (int round = 0; round < 5; round++) {
      String root = root("retry-" + round);
      Attempt first = staged(root, "day-4", Gate.always());
      Attempt retry = staged(root, "day-4", Gate.always());
      List<Published> results = AtOnce.call(() -> first.publish(Map.of(METRIC, 0.8)),
          () -> retry.publish(Map.of(METRIC, 0.8)));
      assertEquals(results.get(0).publication(), results.get(1).publication());
      assertEquals(List.of(1), dir(root).versions());
      assertEquals(List.of("LATEST", "v1"), List.of(fs.listStatus(new org.apache.hadoop.fs.Path(root))).stream()
          .map(status -> status.getPath().getName()).sorted().toList(), "the other attempt's staging is gone");
    }
  }

  /** A run killed after its commit and before the pointer: the rerun moves LATEST, training nothing. */
  @Test
  void aRerunFinishesAPromotionThatAKillInterruptedOnHdfs() throws IOException {
    String root = root("killed");
    run(root, "day-1", 0.8, Gate.always());
    run(root, "day-2", 0.9, Gate.always());
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(root, PublishDirectory.LATEST), true)) {
      out.write("v1\n".getBytes(StandardCharsets.UTF_8)); // the kill: v2 committed, LATEST not moved
    }
    Attempt rerun = dir(root).begin("day-2", VALIDATION, METRIC, Gate.always());
    assertEquals("v2", rerun.finished().orElseThrow().publication().name());
    assertEquals("v2", read(root + "/" + PublishDirectory.LATEST));
    assertEquals(1, messages.size(), messages.toString());
    assertTrue(messages.get(0).contains(" named v1, behind v2 (run day-2)"), messages.get(0));
  }
}
