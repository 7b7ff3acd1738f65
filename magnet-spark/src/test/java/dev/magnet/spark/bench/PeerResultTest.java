package dev.magnet.spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The yardstick's one JSON line, exactly as torch_magnet.py prints it, and the figures derived from it. */
public class PeerResultTest {
  /** A line as the peer printed it (--epochs 1 --limit 20000). */
  public static final String LINE = "{\"loss\": \"magnet\", \"coarse\": false, \"epochs\": 1, \"train_examples_per_s\": 3947.6,"
      + " \"index_refresh_s\": 3.79, \"embed_images_per_s\": 18341.2, \"knn1_acc_fine\": 0.8054,"
      + " \"knn1_acc_trainlabels\": 0.8054, \"loss_hist\": [2.2792, 1.2995, 1.1876]}";

  @Test
  void parsesThePeersLine() {
    PeerResult r = PeerResult.parse(LINE + "\n");
    assertEquals(1, r.epochs());
    assertEquals(3947.6, r.trainExamplesPerSecond());
    assertEquals(3.79, r.indexRefreshSeconds());
    assertEquals(18341.2, r.printedEmbedImagesPerSecond());
    assertEquals(0.8054, r.knn1AccuracyFine());
    assertEquals(List.of(2.2792, 1.2995, 1.1876), r.lossHistory());
  }

  @Test
  void takesTheLastJsonLineAfterWarnings() {
    String stdout = "/usr/lib/python3/dist-packages/sklearn/cluster/_kmeans.py:870: FutureWarning: blah\n"
        + "{\"epochs\": 9, \"train_examples_per_s\": 1.0, \"embed_images_per_s\": 1.0}\n" + LINE + "\n\n";
    assertEquals(1, PeerResult.parse(stdout).epochs());
  }

  @Test
  void noJsonLineIsAnErrorShowingTheOutput() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PeerResult.parse("Traceback (most recent call last):\nKeyboardInterrupt\n"));
    assertTrue(e.getMessage().contains("the peer printed no JSON line; output=Traceback"), e.getMessage());
    IllegalArgumentException broken = assertThrows(IllegalArgumentException.class, () -> PeerResult.parse("{\"epochs\": "));
    assertTrue(broken.getMessage().startsWith("the peer's result is not valid JSON"), broken.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> PeerResult.parse("{\"epochs\": 1}"));
    assertTrue(missing.getMessage().contains("positive train_examples_per_s"), missing.getMessage());
  }

  /** With --limit 20000 the peer embedded 30,000 images but divided 70,000 by the time. */
  @Test
  void correctsTheEmbeddingRateForTheLimit() {
    PeerResult r = PeerResult.parse(LINE);
    assertEquals(18341.2 * 30_000 / 70_000, r.embedImagesPerSecond(20_000), 1e-9);
    assertEquals(18341.2, r.embedImagesPerSecond(0), 1e-9, "no limit: the whole training set");
    assertEquals(18341.2, r.embedImagesPerSecond(100_000), 1e-9, "a limit above 60,000 is no limit");
  }

  /** 20,000 // 48 = 416 batches of 48 = 19,968 examples at 3947.6/s, plus one refresh. */
  @Test
  void trainingSecondsAreTheRefreshesPlusTheSteps() {
    PeerResult r = PeerResult.parse(LINE);
    assertEquals(3.79 + 19_968 / 3947.6, r.trainingSeconds(20_000, 48), 1e-9);
    PeerResult two = PeerResult.parse(LINE.replace("\"epochs\": 1", "\"epochs\": 2"));
    assertEquals(2 * 3.79 + 2 * 19_968 / 3947.6, two.trainingSeconds(20_000, 48), 1e-9);
  }
}
