package dev.magnet.core.params;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The training hyper-parameters, shared by the single-JVM trainer, the Spark trainer and the
 * fitted model (which carries the exact parameters that produced it). Defaults are stated once,
 * in {@link #defaults()}; every value is checked when the record is built.
 *
 * @param loss what the network is trained with
 * @param clustersPerClass K: K-means clusters per class in the index
 * @param clustersPerBatch M: clusters per neighbourhood (one mini-batch)
 * @param examplesPerCluster D: examples drawn from each cluster of a neighbourhood
 * @param alpha the Magnet loss margin α
 * @param nearestClusters L: clusters that vote in the classification rule
 * @param refreshEveryBatches refresh the index every this many batches; 0 = once per epoch
 * @param refreshesPerEpoch refresh the index this many times an epoch, at even intervals, whatever
 *     the epoch's length; 0 = as {@code refreshEveryBatches} says. The interval a tuned
 *     configuration carries from a small tuning set to the full one (docs/results.md, "Protocol").
 * @param epochs passes over the training set
 * @param batchesPerEpoch mini-batches per epoch; 0 = training set size / (M·D), rounded up
 * @param tripletMargin margin of the batch-hard triplet baseline
 * @param kmeansIterations most Lloyd iterations of one K-means refresh
 * @param seed seed of every random choice of the run (sampling, K-means initialisation)
 */
public record MagnetParams(
    LossKind loss,
    int clustersPerClass,
    int clustersPerBatch,
    int examplesPerCluster,
    double alpha,
    int nearestClusters,
    int refreshEveryBatches,
    int refreshesPerEpoch,
    int epochs,
    int batchesPerEpoch,
    double tripletMargin,
    int kmeansIterations,
    long seed) {

  /** The paper's K for Fashion-MNIST-sized classes. */
  public static final int DEFAULT_K = 8;
  /** The paper's M. */
  public static final int DEFAULT_M = 12;
  /** The paper's D. */
  public static final int DEFAULT_D = 4;
  /**
   * The tuned α (docs/results.md, "Defaults"): a quarter of the paper's 1, with the tuned learning
   * rate and width of {@code NetworkSpec}.
   */
  public static final double DEFAULT_ALPHA = 0.25;
  /** The paper's L (or all clusters, if fewer). */
  public static final int DEFAULT_L = 128;
  /** Refresh once per epoch. */
  public static final int DEFAULT_REFRESH_EVERY_BATCHES = 0;
  /** Enough for the Fashion-MNIST targets of the README. */
  public static final int DEFAULT_EPOCHS = 3;
  /** Hermans et al.'s margin for batch-hard triplets. */
  public static final double DEFAULT_TRIPLET_MARGIN = 0.2;
  /** Warm-started refreshes converge in a few iterations; this only bounds a cold start. */
  public static final int DEFAULT_KMEANS_ITERATIONS = 30;
  /** Any fixed seed: runs are reproducible unless a caller picks another. */
  public static final long DEFAULT_SEED = 42;

  public MagnetParams {
    Objects.requireNonNull(loss, "loss must be given; loss=null");
    positive("clustersPerClass (K)", clustersPerClass);
    if (clustersPerBatch < 2) {
      throw new IllegalArgumentException(
          "clustersPerBatch (M) must be at least 2: the loss needs clusters of another class; M=" + clustersPerBatch);
    }
    positive("examplesPerCluster (D)", examplesPerCluster);
    requireMargin("alpha", alpha);
    positive("nearestClusters (L)", nearestClusters);
    nonNegative("refreshEveryBatches", refreshEveryBatches, "0 = once per epoch");
    nonNegative("refreshesPerEpoch", refreshesPerEpoch, "0 = as refreshEveryBatches says");
    if (refreshesPerEpoch > 0 && refreshEveryBatches > 0) {
      throw new IllegalArgumentException("give the refresh interval one way, refreshEveryBatches or refreshesPerEpoch;"
          + " refreshEveryBatches=" + refreshEveryBatches + ", refreshesPerEpoch=" + refreshesPerEpoch);
    }
    positive("epochs", epochs);
    nonNegative("batchesPerEpoch", batchesPerEpoch, "0 = one pass over the data");
    requireMargin("tripletMargin", tripletMargin);
    positive("kmeansIterations", kmeansIterations);
  }

  /**
   * {@code value}, a margin (α, the triplet margin), when it is finite and at least 0; the
   * parameters and the losses that take it check it alike.
   *
   * @throws IllegalArgumentException naming {@code name} otherwise
   */
  public static double requireMargin(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + " must be finite and >= 0; " + name + "=" + value);
    }
    return value;
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be positive; " + name + "=" + value);
    }
  }

  /** Refuses a negative {@code value}; {@code zero} says what 0 means, for the message. */
  private static void nonNegative(String name, int value, String zero) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0 (" + zero + "); " + name + "=" + value);
    }
  }

  /** Every default (docs/design.md, "The algorithm"). */
  public static MagnetParams defaults() {
    return new MagnetParams(LossKind.MAGNET, DEFAULT_K, DEFAULT_M, DEFAULT_D, DEFAULT_ALPHA, DEFAULT_L,
        DEFAULT_REFRESH_EVERY_BATCHES, 0, DEFAULT_EPOCHS, 0, DEFAULT_TRIPLET_MARGIN,
        DEFAULT_KMEANS_ITERATIONS, DEFAULT_SEED);
  }

  /** M·D: the rows of one mini-batch, whatever the loss. */
  @JsonIgnore
  public int batchSize() {
    return clustersPerBatch * examplesPerCluster;
  }

  /** Mini-batches of one epoch over {@code trainingExamples} examples. */
  public int batchesPerEpoch(long trainingExamples) {
    if (batchesPerEpoch > 0) {
      return batchesPerEpoch;
    }
    return (int) Math.max(1, (trainingExamples + batchSize() - 1) / batchSize());
  }

  /**
   * Batches between two refreshes of the index in an epoch over {@code trainingExamples} examples;
   * 0 = once per epoch. {@code refreshesPerEpoch} R splits the epoch's batches into R equal runs
   * (the last takes the remainder); one refresh a run.
   */
  public int refreshEvery(long trainingExamples) {
    if (refreshesPerEpoch == 0) {
      return refreshEveryBatches;
    }
    return refreshesPerEpoch == 1 ? 0 : Math.max(1, batchesPerEpoch(trainingExamples) / refreshesPerEpoch);
  }

  public MagnetParams withLoss(LossKind value) {
    return with(c -> c.loss = value);
  }

  public MagnetParams withClusters(int k, int m, int d) {
    return with(c -> {
      c.clustersPerClass = k;
      c.clustersPerBatch = m;
      c.examplesPerCluster = d;
    });
  }

  public MagnetParams withAlpha(double value) {
    return with(c -> c.alpha = value);
  }

  public MagnetParams withNearestClusters(int value) {
    return with(c -> c.nearestClusters = value);
  }

  /** Refresh every {@code value} batches (0: once per epoch), in place of any refreshes per epoch. */
  public MagnetParams withRefreshEveryBatches(int value) {
    return with(c -> {
      c.refreshEveryBatches = value;
      c.refreshesPerEpoch = 0;
    });
  }

  /** Refresh {@code value} times an epoch (0: as refreshEveryBatches says), in place of any interval in batches. */
  public MagnetParams withRefreshesPerEpoch(int value) {
    return with(c -> {
      c.refreshesPerEpoch = value;
      c.refreshEveryBatches = 0;
    });
  }

  public MagnetParams withEpochs(int value) {
    return with(c -> c.epochs = value);
  }

  public MagnetParams withBatchesPerEpoch(int value) {
    return with(c -> c.batchesPerEpoch = value);
  }

  public MagnetParams withTripletMargin(double value) {
    return with(c -> c.tripletMargin = value);
  }

  public MagnetParams withSeed(long value) {
    return with(c -> c.seed = value);
  }

  /** These parameters with the changes {@code change} makes to a copy, checked once when built. */
  private MagnetParams with(Consumer<Copy> change) {
    Copy copy = new Copy(this);
    change.accept(copy);
    return copy.build();
  }

  /** The components of a {@link MagnetParams} being copied, one field each, so a copy names only what changes. */
  private static final class Copy {
    LossKind loss;
    int clustersPerClass;
    int clustersPerBatch;
    int examplesPerCluster;
    double alpha;
    int nearestClusters;
    int refreshEveryBatches;
    int refreshesPerEpoch;
    int epochs;
    int batchesPerEpoch;
    double tripletMargin;
    int kmeansIterations;
    long seed;

    Copy(MagnetParams p) {
      loss = p.loss;
      clustersPerClass = p.clustersPerClass;
      clustersPerBatch = p.clustersPerBatch;
      examplesPerCluster = p.examplesPerCluster;
      alpha = p.alpha;
      nearestClusters = p.nearestClusters;
      refreshEveryBatches = p.refreshEveryBatches;
      refreshesPerEpoch = p.refreshesPerEpoch;
      epochs = p.epochs;
      batchesPerEpoch = p.batchesPerEpoch;
      tripletMargin = p.tripletMargin;
      kmeansIterations = p.kmeansIterations;
      seed = p.seed;
    }

    MagnetParams build() {
      return new MagnetParams(loss, clustersPerClass, clustersPerBatch, examplesPerCluster, alpha, nearestClusters,
          refreshEveryBatches, refreshesPerEpoch, epochs, batchesPerEpoch, tripletMargin, kmeansIterations, seed);
    }
  }
}
