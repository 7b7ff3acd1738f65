package dev.magnet.spark.report;

import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.executor.ExampleEmbeddings;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The embeddings the report projects: a seeded sample of at most {@link #MAX_POINTS} examples of
 * one data set, with their classes and a line saying where they came from. Arrays are copied in
 * and out.
 *
 * @param embeddings one embedding per row, all of one dimension; at least 2 rows
 * @param labels the class of each row
 * @param source what was sampled, for the page ("800 of 12,000 examples of the validation set")
 */
public record EmbeddingSample(float[][] embeddings, int[] labels, String source) {
  /** Enough points to show every class's shape; more only overplot and slow the PNG down. */
  public static final int MAX_POINTS = 2_000;

  public EmbeddingSample {
    Objects.requireNonNull(source, "source");
    if (embeddings.length != labels.length) {
      throw new IllegalArgumentException("embeddings and labels must have the same rows; embeddings="
          + embeddings.length + ", labels=" + labels.length);
    }
    if (embeddings.length < 2 || embeddings.length > MAX_POINTS) {
      throw new IllegalArgumentException("a sample must have 2.." + MAX_POINTS + " points; points=" + embeddings.length);
    }
    float[][] copy = new float[embeddings.length][];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = embeddings[i].clone();
      if (copy[i].length != copy[0].length) {
        throw new IllegalArgumentException("embedding dimensions differ: " + copy[i].length + "!=" + copy[0].length
            + "; row " + i);
      }
    }
    embeddings = copy;
    labels = labels.clone();
  }

  @Override
  public float[][] embeddings() {
    float[][] copy = new float[embeddings.length][];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = embeddings[i].clone();
    }
    return copy;
  }

  @Override
  public int[] labels() {
    return labels.clone();
  }

  public int size() {
    return labels.length;
  }

  public int dimension() {
    return embeddings[0].length;
  }

  /**
   * A seeded sample of rows that are already embedded (e.g. {@code evaluate}'s test set): all of
   * them when there are at most {@code max}, else {@code max} drawn without replacement, kept in
   * their original order.
   *
   * @param what names the data set in {@link #source()}
   */
  public static EmbeddingSample draw(float[][] embeddings, int[] labels, int max, long seed, String what) {
    if (embeddings.length != labels.length) {
      throw new IllegalArgumentException("embeddings and labels must have the same rows; embeddings="
          + embeddings.length + ", labels=" + labels.length);
    }
    int[] rows = choose(embeddings.length, Math.min(max, MAX_POINTS), seed);
    float[][] chosen = new float[rows.length][];
    int[] chosenLabels = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      chosen[i] = embeddings[rows[i]];
      chosenLabels[i] = labels[rows[i]];
    }
    return new EmbeddingSample(chosen, chosenLabels, describe(rows.length, embeddings.length, what));
  }

  /**
   * Samples up to {@code max} examples of a Spark data set (seeded, without replacement) and
   * embeds them on the executors with the model ({@link ExampleEmbeddings}): a few thousand rows.
   *
   * @param what names the data set in {@link #source()}
   */
  public static EmbeddingSample embed(SparkDataset dataset, ModelArtifact model, int max, long seed, String what) {
    int wanted = Math.min(max, MAX_POINTS);
    long total = dataset.examples().count();
    List<Example> examples = total <= wanted ? dataset.examples().collect()
        : dataset.examples().takeSample(false, wanted, seed);
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("cannot sample embeddings of an empty data set: " + dataset.description());
    }
    examples = examples.stream().sorted(Comparator.comparingLong(Example::id)).toList();
    JavaSparkContext spark = JavaSparkContext.fromSparkContext(dataset.examples().context());
    ExampleEmbeddings.Collected collected = ExampleEmbeddings.collect(spark, spark.parallelize(examples, 1),
        dataset.inputShape(), model.network());
    return new EmbeddingSample(Matrices.toFloatRows(collected.embeddings()), collected.labels(),
        describe(examples.size(), total, what));
  }

  /** {@code count} distinct indices of [0, total), ascending: a partial Fisher–Yates shuffle. */
  static int[] choose(int total, int count, long seed) {
    if (count >= total) {
      return IntStream.range(0, total).toArray();
    }
    int[] all = IntStream.range(0, total).toArray();
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < count; i++) {
      int j = i + random.nextInt(total - i);
      int swap = all[i];
      all[i] = all[j];
      all[j] = swap;
    }
    int[] chosen = Arrays.copyOf(all, count);
    Arrays.sort(chosen);
    return chosen;
  }

  private static String describe(int taken, long total, String what) {
    return String.format(Locale.ROOT, "%,d of %,d examples of %s", taken, total, what);
  }
}
