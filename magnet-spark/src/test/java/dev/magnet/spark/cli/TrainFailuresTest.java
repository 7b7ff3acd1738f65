package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code magnet train} runs that must stop with a clear line and the documented status, and keep
 * what they should (docs/reliability.md): divergence, resume, class checks.
 */
class TrainFailuresTest {
  /** A tiny, fast run: 3 classes of vectors, an MLP, 1 epoch. */
  private static final String DATA = "synthetic:classes=3,sub=1,per=20,dim=4";
  private static final List<String> SMALL = List.of("--network", "mlp", "--embedding-dim", "4", "-K", "2", "-M", "3",
      "-D", "4", "--seed", "5", "--epochs", "1");

  private static SparkSession session;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    session = SparkTestSession.start("magnet-train-failures-test");
  }

  @AfterAll
  static void stop() {
    session.stop();
  }

  /** {@code train} with the small settings, those in {@code more} overriding them. */
  static CliRun train(String data, Path output, String... more) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data, "--output", output.toString()));
    args.addAll(SMALL);
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(String[]::new));
  }

  private static void assertOneLine(CliRun run, int status, String start) {
    assertEquals(status, run.status(), run.toString());
    List<String> lines = run.err().strip().lines().filter(l -> !l.contains(" WARN ")).toList();
    assertEquals(1, lines.size(), run.toString());
    assertTrue(lines.get(0).startsWith(start), "expected a line starting <" + start + "> in " + run);
  }

  private static List<String> names(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * A learning rate of 1e30 used to print "loss NaN", checkpoint the NaN weights and die later in
   * K-means with exit 1. Now the first non-finite batch stops the run: exit 4, naming the epoch and
   * the batch, and no checkpoint or model of that state.
   */
  @Test
  void aDivergingRunStopsAtTheBatchWithExit4AndWritesNothingFromThatState() throws IOException {
    Path checkpoints = tmp.resolve("checkpoints");
    Path model = tmp.resolve("model");
    CliRun run = train(DATA, model, "--learning-rate", "1e30", "--epochs", "2", "--checkpoint-dir",
        checkpoints.toString());
    assertOneLine(run, ExitCodes.TRAINING_FAILED, "magnet train: training diverged in epoch 1 at batch ");
    assertTrue(run.err().matches("(?s).*at batch \\d+ of \\d+: (its loss is (NaN|-?Infinity)|its update made the"
        + " parameters non-finite).*stopped before writing a checkpoint or model from this state.*"), run.toString());
    assertFalse(run.out().contains("loss NaN"), run.toString());
    assertEquals(List.of(), names(checkpoints).stream().filter(n -> n.startsWith("epoch-")).toList());
    assertFalse(Files.exists(model), "no model from a diverged run");
  }
}
