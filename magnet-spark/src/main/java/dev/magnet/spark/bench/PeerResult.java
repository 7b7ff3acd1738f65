package dev.magnet.spark.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.core.data.FashionMnist;
import java.util.List;

/**
 * What one run of the PyTorch yardstick ({@link BenchRequest#DEFAULT_PEER}) prints: one
 * JSON line, e.g.
 *
 * <pre>
 * {"loss": "magnet", "coarse": false, "epochs": 1, "train_examples_per_s": 3947.6, "index_refresh_s": 3.79,
 *  "embed_images_per_s": 18341.2, "knn1_acc_fine": 0.8054, "knn1_acc_trainlabels": 0.8054, "loss_hist": [...]}
 * </pre>
 *
 * @param epochs epochs trained
 * @param trainExamplesPerSecond examples trained / seconds of the training steps (index refresh excluded)
 * @param indexRefreshSeconds embedding the training set plus per-class K-means, per epoch
 * @param printedEmbedImagesPerSecond as printed: 70,000 / the final embedding's seconds, whatever
 *     {@code --limit} was (see {@link #embedImagesPerSecond})
 * @param knn1AccuracyFine 1-NN test accuracy against the training embeddings, fine labels
 * @param lossHistory the loss every 200 steps
 */
public record PeerResult(@JsonProperty("epochs") int epochs,
    @JsonProperty("train_examples_per_s") double trainExamplesPerSecond,
    @JsonProperty("index_refresh_s") double indexRefreshSeconds,
    @JsonProperty("embed_images_per_s") double printedEmbedImagesPerSecond,
    @JsonProperty("knn1_acc_fine") double knn1AccuracyFine,
    @JsonProperty("loss_hist") List<Double> lossHistory) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public PeerResult {
    lossHistory = lossHistory == null ? List.of() : List.copyOf(lossHistory);
  }

  /**
   * The result in the peer's output: its last line that is a JSON object (PyTorch or scikit-learn
   * may print warnings before it).
   *
   * @throws IllegalArgumentException when there is none, or it lacks a figure
   */
  public static PeerResult parse(String stdout) {
    String line = resultLine(stdout);
    try {
      PeerResult result = JSON.readValue(line, PeerResult.class);
      if (!(result.trainExamplesPerSecond() > 0) || !(result.printedEmbedImagesPerSecond() > 0)) {
        throw new IllegalArgumentException("the peer's result must have positive train_examples_per_s and"
            + " embed_images_per_s; line=" + line);
      }
      return result;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("the peer's result is not valid JSON: " + e.getOriginalMessage()
          + "; line=" + line, e);
    }
  }

  /** The last line of the peer's output that is a JSON object, as printed. */
  public static String resultLine(String stdout) {
    String[] lines = stdout.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      String line = lines[i].strip();
      if (line.startsWith("{")) {
        return line;
      }
    }
    throw new IllegalArgumentException("the peer printed no JSON line; output=" + stdout.strip());
  }

  /**
   * The embedding rate corrected for {@code --limit}: the peer divides 70,000 by the time it took
   * to embed its training set and the 10,000 test images, but with a limit it embeds only
   * {@code limit + 10,000} of them.
   *
   * @param limit the peer's {@code --limit} (0 or at least the training set: no limit)
   */
  public double embedImagesPerSecond(int limit) {
    int train = limit <= 0 ? FashionMnist.TRAIN_SIZE : Math.min(limit, FashionMnist.TRAIN_SIZE);
    return printedEmbedImagesPerSecond * (train + FashionMnist.TEST_SIZE) / (FashionMnist.TRAIN_SIZE
        + FashionMnist.TEST_SIZE);
  }

  /**
   * Seconds of training in this run: every epoch's index refresh plus its training steps
   * ({@code len(train) // batchRows} batches of {@code batchRows} examples at the printed rate).
   *
   * @param trainExamples the training set size the peer saw
   * @param batchRows M·D
   */
  public double trainingSeconds(int trainExamples, int batchRows) {
    double examplesTrained = (double) epochs * (trainExamples / batchRows) * batchRows;
    return epochs * indexRefreshSeconds + examplesTrained / trainExamplesPerSecond;
  }
}
