package dev.magnet.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  private static final Configuration CONF = new Configuration();

  @TempDir
  Path tmp;

  static SparkEpochMetrics epoch(int e) {
    return new SparkEpochMetrics(e, 1.0 / e, 10 * e, 0.1, 0.2, 0.3, 0.4, 0.5, 100.0 * e,
        Map.of("knn1_accuracy", 0.5 + e / 10.0));
  }

  private List<String> names() throws IOException {
    try (Stream<Path> files = Files.list(tmp.resolve("ckpt"))) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void latestIsTheLastEpochWrittenAndOlderOnesArePruned() throws IOException {
    CheckpointStore store = new CheckpointStore(tmp.resolve("ckpt").toUri().toString(), CONF);
    assertTrue(store.latest().isEmpty());
    ModelArtifact model = TestModels.tiny();
    List<SparkEpochMetrics> history = new ArrayList<>();
    for (int e = 1; e <= 3; e++) {
      history.add(epoch(e));
      store.write(e, model, history);
    }
    assertEquals(List.of("epoch-0002", "epoch-0003"), names());
    CheckpointStore.Checkpoint latest = store.latest().orElseThrow();
    assertEquals(3, latest.epoch());
    assertEquals(history, latest.history());
    assertEquals(model.embed(TestModels.input()), latest.model().embed(TestModels.input()));
    assertTrue(Files.exists(tmp.resolve("ckpt/epoch-0003/metrics.json")));
  }

  @Test
  void stagingDirectoriesAndStrangersAreIgnored() throws IOException {
    CheckpointStore store = new CheckpointStore(tmp.resolve("ckpt").toString(), CONF, 1);
    store.write(3, TestModels.tiny(), List.of(epoch(1), epoch(2), epoch(3)));
    Files.createDirectories(tmp.resolve("ckpt/.epoch-0004.tmp-x"));
    Files.writeString(tmp.resolve("ckpt/.epoch-0004.tmp-x/metadata.json"), "{half");
    Files.createDirectories(tmp.resolve("ckpt/epoch-latest"));
    Files.writeString(tmp.resolve("ckpt/epoch-0009"), "a file, not a checkpoint");
    assertEquals(List.of(3), store.epochs());
    assertEquals(3, store.latest().orElseThrow().epoch());
  }

  /**
   * The newest checkpoint's metrics are damaged (a partial copy, a bad disk): it used to be read as
   * it was; its digest check now fails, naming the file, and the store resumes from the one before.
   */
  @Test
  void aDamagedNewestCheckpointIsSkippedNamingItAndTheOneBeforeIsUsed() throws IOException {
    CheckpointStore store = new CheckpointStore(tmp.resolve("ckpt").toString(), CONF);
    store.write(1, TestModels.tiny(), List.of(epoch(1)));
    store.write(2, TestModels.tiny(), List.of(epoch(1), epoch(2)));
    Path metrics = tmp.resolve("ckpt/epoch-0002/metrics.json");
    Files.writeString(metrics, Files.readString(metrics).replace("\"epoch\" : 2", "\"epoch\" : 3"));
    Files.deleteIfExists(tmp.resolve("ckpt/epoch-0002/.metrics.json.crc"));
    List<String> skipped = new ArrayList<>();
    CheckpointStore.Checkpoint latest = store.latest(skipped::add).orElseThrow();
    assertEquals(1, latest.epoch());
    assertEquals(1, skipped.size(), skipped.toString());
    assertTrue(skipped.get(0).startsWith("checkpoint " + tmp.resolve("ckpt/epoch-0002") + " is incomplete or corrupt,"
        + " skipped: file:" + tmp.resolve("ckpt/epoch-0002/metrics.json") + " is corrupt: its SHA-256 is "),
        skipped.get(0));

    Files.delete(tmp.resolve("ckpt/epoch-0001/network.zip"));
    IOException none = assertThrows(IOException.class, () -> store.latest(skipped::add));
    assertTrue(none.getMessage().startsWith("file:" + tmp.resolve("ckpt/epoch-0002/metrics.json") + " is corrupt"),
        "the newest's error: " + none.getMessage());
    assertEquals(2, skipped.size(), "epoch 1's reason is told; epoch 2's is the error, not told twice: " + skipped);
    assertTrue(skipped.get(1).startsWith("checkpoint " + tmp.resolve("ckpt/epoch-0001") + " is incomplete"), skipped.get(1));
  }

  @Test
  void epochsAreOneBased() {
    CheckpointStore store = new CheckpointStore(tmp.toString(), CONF);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> store.write(0, TestModels.tiny(), List.of()));
    assertEquals("epoch must be positive (1-based); epoch=0", e.getMessage());
  }

  /**
   * A run that diverged used to checkpoint its NaN weights, and every resume loaded them. A
   * non-finite state is now refused when written; one an earlier Magnet wrote is skipped on
   * resume, saying so, and the newest finite checkpoint is used.
   */
  @Test
  void aNonFiniteCheckpointIsNeverWrittenAndOneAnEarlierMagnetWroteIsSkipped() throws IOException {
    CheckpointStore store = new CheckpointStore(tmp.resolve("ckpt").toString(), CONF);
    store.write(1, TestModels.tiny(), List.of(epoch(1)));
    ModelArtifact diverged = TestModels.tiny();
    diverged.network().params().putScalar(3, Double.NaN);
    IOException refused = assertThrows(IOException.class,
        () -> store.write(2, diverged, List.of(epoch(1), epoch(2))));
    assertEquals("refusing to write the checkpoint of epoch 2 to " + tmp.resolve("ckpt/epoch-0002")
        + ": its parameters are not finite (NaN or infinite)", refused.getMessage());
    assertEquals(List.of("epoch-0001"), names());

    // As an earlier Magnet wrote it: the same files, unchecked.
    ByteArrayOutputStream metrics = new ByteArrayOutputStream();
    MetricsJson.write(metrics, List.of(epoch(1), epoch(2)), Map.of());
    HadoopModelDirectory.write(store.pathOf(2), CONF, true,
        out -> diverged.writeTo(out, Map.of(MetricsJson.FILE_NAME, metrics.toByteArray())));
    List<String> skipped = new ArrayList<>();
    CheckpointStore.Checkpoint latest = store.latest(skipped::add).orElseThrow();
    assertEquals(1, latest.epoch());
    assertEquals(List.of("checkpoint " + tmp.resolve("ckpt/epoch-0002") + " holds a diverged state, skipped: file:"
        + tmp.resolve("ckpt/epoch-0002") + ": its parameters are not finite (NaN or infinite); a run that diverged"
        + " wrote it"), skipped);
  }

  @Test
  void aCheckpointRecordsItsDataFingerprint() throws IOException {
    CheckpointStore store = new CheckpointStore(tmp.resolve("ckpt").toString(), CONF);
    store.write(1, TestModels.tiny(), List.of(epoch(1)), "10 examples in 2 classes, content 00ff");
    store.write(2, TestModels.tiny(), List.of(epoch(1), epoch(2)));
    assertEquals(null, store.latest().orElseThrow().dataFingerprint(), "none given, none read");
    Files.delete(tmp.resolve("ckpt/epoch-0002/network.zip"));
    assertEquals("10 examples in 2 classes, content 00ff", store.latest(m -> { }).orElseThrow().dataFingerprint());
  }
}
