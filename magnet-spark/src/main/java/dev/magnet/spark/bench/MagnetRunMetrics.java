package dev.magnet.spark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The figures a benchmark takes from a {@code train} run's {@code metrics.json}, read as a JSON
 * tree so that a file written before a key existed (an epoch's {@code averagingSeconds}) still
 * reads, with that figure absent.
 *
 * @param epochs every epoch, in order
 * @param trainExamples the training set's size ({@code summary.train_examples})
 */
public record MagnetRunMetrics(List<Epoch> epochs, long trainExamples) {
  /** The per-epoch key of the averaging seconds: {@code SparkEpochMetrics#averagingSeconds}'s name. */
  public static final String AVERAGING_KEY = "averagingSeconds";
  /** The per-epoch key of the averaging rounds' parts: {@code SparkEpochMetrics#averaging}'s name. */
  public static final String ROUNDS_KEY = "averaging";

  public MagnetRunMetrics {
    epochs = List.copyOf(epochs);
    if (epochs.isEmpty()) {
      throw new IllegalArgumentException("a benchmark needs at least one epoch; epochs=0");
    }
  }

  /**
   * One epoch's phases in seconds.
   *
   * @param averaging the part of {@code fit} outside the workers' updates, when metrics.json has
   *     {@value #AVERAGING_KEY}
   * @param validation held-out metrics by name (empty without a validation set)
   * @param rounds the averaging rounds' costs by part ({@code AveragingCost}'s JSON names, seconds;
   *     {@code rounds} a count), empty when metrics.json has none
   */
  public record Epoch(int batches, double embed, double index, double plan, double materialise, double fit,
      OptionalDouble averaging, Map<String, Double> validation, Map<String, Double> rounds) {
    public Epoch {
      validation = Map.copyOf(validation);
      rounds = Collections.unmodifiableMap(new LinkedHashMap<>(rounds));
    }

    /** An epoch without the rounds' parts. */
    public Epoch(int batches, double embed, double index, double plan, double materialise, double fit,
        OptionalDouble averaging, Map<String, Double> validation) {
      this(batches, embed, index, plan, materialise, fit, averaging, validation, Map.of());
    }

    /** Embed + index + plan + materialise + fit: the epoch's training time (not its evaluation). */
    public double total() {
      return embed + index + plan + materialise + fit;
    }
  }

  /** Reads {@code metrics.json}. */
  public static MagnetRunMetrics read(Path file) throws IOException {
    return of(new ObjectMapper().readTree(file.toFile()), file.toString());
  }

  /** The figures of a parsed metrics document; {@code source} names it in errors. */
  public static MagnetRunMetrics of(JsonNode root, String source) {
    List<Epoch> epochs = new ArrayList<>();
    for (JsonNode e : root.path("epochs")) {
      Map<String, Double> validation = new LinkedHashMap<>();
      e.path("validation").fields().forEachRemaining(f -> validation.put(f.getKey(), f.getValue().asDouble()));
      JsonNode averaging = e.get(AVERAGING_KEY);
      Map<String, Double> rounds = new LinkedHashMap<>();
      e.path(ROUNDS_KEY).fields().forEachRemaining(f -> {
        if (f.getValue().isNumber()) {
          rounds.put(f.getKey(), f.getValue().asDouble());
        }
      });
      epochs.add(new Epoch(e.path("batches").asInt(), number(e, "embedSeconds", source),
          number(e, "indexSeconds", source), number(e, "planSeconds", source),
          number(e, "materialiseSeconds", source), number(e, "fitSeconds", source),
          averaging != null && averaging.isNumber() ? OptionalDouble.of(averaging.asDouble()) : OptionalDouble.empty(),
          validation, rounds));
    }
    JsonNode examples = root.path("summary").get("train_examples");
    if (examples == null || !examples.isNumber()) {
      throw new IllegalArgumentException(source + " has no summary.train_examples");
    }
    return new MagnetRunMetrics(epochs, examples.asLong());
  }

  private static double number(JsonNode epoch, String key, String source) {
    JsonNode v = epoch.get(key);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException(source + ": an epoch has no number " + key + "; epoch=" + epoch);
    }
    return v.asDouble();
  }

  /** Examples fitted per second of the fit phases: batches × {@code batchRows} / fit seconds. */
  public double fitExamplesPerSecond(int batchRows) {
    return epochs.stream().mapToDouble(e -> (double) e.batches() * batchRows).sum()
        / epochs.stream().mapToDouble(Epoch::fit).sum();
  }

  /** Embed + index seconds of an epoch (the index refresh), the mean over epochs. */
  public double indexRefreshSeconds() {
    return epochs.stream().mapToDouble(e -> e.embed() + e.index()).average().orElseThrow();
  }

  /** Images embedded per second: the training set once per epoch (a refresh per epoch, the default). */
  public double embedImagesPerSecond() {
    return (double) trainExamples * epochs.size() / epochs.stream().mapToDouble(Epoch::embed).sum();
  }

  /** The mean epoch. */
  public Epoch meanEpoch() {
    int n = epochs.size();
    boolean averaged = epochs.stream().allMatch(e -> e.averaging().isPresent());
    return new Epoch(epochs.stream().mapToInt(Epoch::batches).sum() / n,
        epochs.stream().mapToDouble(Epoch::embed).sum() / n, epochs.stream().mapToDouble(Epoch::index).sum() / n,
        epochs.stream().mapToDouble(Epoch::plan).sum() / n,
        epochs.stream().mapToDouble(Epoch::materialise).sum() / n, epochs.stream().mapToDouble(Epoch::fit).sum() / n,
        averaged ? OptionalDouble.of(epochs.stream().mapToDouble(e -> e.averaging().getAsDouble()).sum() / n)
            : OptionalDouble.empty(), Map.of(), meanRounds());
  }

  /** Each part of the averaging rounds, the mean over epochs; empty unless every epoch has the same parts. */
  private Map<String, Double> meanRounds() {
    Map<String, Double> first = epochs.get(0).rounds();
    if (first.isEmpty() || !epochs.stream().allMatch(e -> e.rounds().keySet().equals(first.keySet()))) {
      return Map.of();
    }
    Map<String, Double> mean = new LinkedHashMap<>();
    first.keySet().forEach(k -> mean.put(k, epochs.stream().mapToDouble(e -> e.rounds().get(k)).sum() / epochs.size()));
    return mean;
  }

  /**
   * The first epoch (1-based) whose validation {@code metric} reaches {@code target}, with the
   * training seconds up to and including it; empty when none does.
   */
  public Optional<Reached> firstReaching(String metric, double target) {
    double seconds = 0;
    for (int i = 0; i < epochs.size(); i++) {
      seconds += epochs.get(i).total();
      Double value = epochs.get(i).validation().get(metric);
      if (value != null && value >= target) {
        return Optional.of(new Reached(i + 1, seconds, value));
      }
    }
    return Optional.empty();
  }

  /** A target reached: at which epoch, after how many training seconds, with which value. */
  public record Reached(int epoch, double seconds, double value) {}
}
