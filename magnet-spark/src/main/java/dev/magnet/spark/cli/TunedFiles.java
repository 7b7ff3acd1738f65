package dev.magnet.spark.cli;

import dev.magnet.core.params.LossKind;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.experiment.TunedConfig;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configurations {@code experiment --tuned FILE} reads: train options files as
 * {@code experiment tune} writes them, in the format of {@code ./spark-submit}'s {@code @FILE}
 * (whitespace-separated words, {@code #} starting a comment to the end of the line). A file names
 * its loss with {@code --loss} and sets hyper-parameters only; the experiment's --train-args come
 * first, so the file's values win.
 */
final class TunedFiles {
  /** What a tuned configuration may set: the loss and its hyper-parameters, nothing about data, runs or outputs. */
  static final Set<String> HYPER_PARAMETERS = Set.of(TrainArgs.LOSS, TrainArgs.K, TrainArgs.CLUSTERS_PER_CLASS,
      TrainArgs.M, TrainArgs.CLUSTERS_PER_BATCH, TrainArgs.D, TrainArgs.EXAMPLES_PER_CLUSTER, TrainArgs.ALPHA,
      TrainArgs.L, TrainArgs.NEAREST_CLUSTERS, TrainArgs.REFRESH_EVERY, TrainArgs.REFRESHES_PER_EPOCH,
      TrainArgs.TRIPLET_MARGIN,
      TrainArgs.KMEANS_ITERATIONS, TrainArgs.EMBEDDING_DIM, TrainArgs.HIDDEN_SIZES, TrainArgs.LEARNING_RATE);

  private TunedFiles() {}

  /** The words of an options file's text, as {@code ./spark-submit} reads an {@code @FILE}. */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    for (String line : text.split("\\R")) {
      int comment = line.indexOf('#');
      String content = comment < 0 ? line : line.substring(0, comment);
      Arrays.stream(content.trim().split("\\s+")).filter(w -> !w.isEmpty()).forEach(words::add);
    }
    return words;
  }

  /**
   * Each file's configuration by its loss, each parsed after {@code trainWords}.
   *
   * @throws IllegalArgumentException for a missing file, an option other than a hyper-parameter,
   *     no --loss, or two files of one loss
   */
  static Map<LossKind, TunedConfig> read(List<String> files, List<String> trainWords, DataSource data) {
    Map<LossKind, TunedConfig> tuned = new EnumMap<>(LossKind.class);
    for (String file : files) {
      String text;
      try {
        text = Files.readString(Path.of(file));
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("--tuned file not found: " + file, e);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read --tuned file " + file, e);
      }
      List<String> words = words(text);
      ExperimentOptions.Parsed own = ExperimentOptions.parse(words, "the options of --tuned " + file, "tuned");
      own.result().matchedOptions().stream().filter(o -> Arrays.stream(o.names()).noneMatch(HYPER_PARAMETERS::contains))
          .findFirst().ifPresent(o -> {
            throw new IllegalArgumentException("--tuned " + file + " must set only the loss and its hyper-parameters;"
                + " it sets " + o.longestName());
          });
      if (!own.result().hasMatchedOption(TrainArgs.LOSS)) {
        throw new IllegalArgumentException("--tuned " + file + " must name its loss with " + TrainArgs.LOSS);
      }
      List<String> all = new ArrayList<>(trainWords);
      all.addAll(words);
      TrainRequest request = ExperimentOptions.parse(all, "the options of --tuned " + file, "tuned").request(data, null);
      LossKind loss = request.params().loss();
      TunedConfig previous = tuned.put(loss, new TunedConfig(file, request.params(), request.network()));
      if (previous != null) {
        throw new IllegalArgumentException("--tuned files " + previous.source() + " and " + file + " both configure the "
            + TrainArgs.LOSS + " " + dev.magnet.core.params.EnumSpelling.of(loss) + "; give one per loss");
      }
    }
    return tuned;
  }
}
