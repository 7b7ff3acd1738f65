package dev.magnet.spark.bench;

import dev.magnet.core.eval.Metric;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.train.TrainArgs;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What {@code bench} is asked to measure, as typed values.
 *
 * @param data the training data (the peer reads Fashion-MNIST only)
 * @param validation the held-out data of the time-to-accuracy section
 * @param limit training examples of the throughput runs, the first N
 * @param epochs epochs of the throughput runs
 * @param cores Magnet's local[N] and the peer's threads; the scaling run is local[1] against it
 * @param targetAccuracy the 1-NN test accuracy of the time-to-accuracy section
 * @param maxEpochs epochs the time-to-accuracy section tries at most
 * @param output where the runs, bench.md and bench.json go
 * @param overwrite empty an existing, non-empty {@code output} first
 * @param peer the yardstick script
 * @param python the Python that runs it
 * @param trainArgs more arguments of every Magnet run
 * @param skipPeer run Magnet only
 * @param skipScaling skip the local[1] run
 * @param skipTimeToAccuracy skip the time-to-accuracy section
 * @param magnetCommand the command line that starts Magnet's CLI in a child JVM, before the command's name
 */
public record BenchRequest(DataSource data, DataSource validation, int limit, int epochs, int cores,
    double targetAccuracy, int maxEpochs, Path output, boolean overwrite, Path peer, Path python,
    List<String> trainArgs, boolean skipPeer, boolean skipScaling, boolean skipTimeToAccuracy,
    List<String> magnetCommand) {
  /**
   * The fixed hyper-parameters of the comparison, the yardstick's (which Magnet's defaults share
   * for K, M and D): both sides train the same network with the same batches, so the ratios
   * compare implementations, not configurations. Magnet's tuned defaults (width 32, Adam 3e-4,
   * α 0.25) would make its network narrower than the yardstick's fixed 64.
   */
  static final int K = MagnetParams.DEFAULT_K;
  static final int M = MagnetParams.DEFAULT_M;
  static final int D = MagnetParams.DEFAULT_D;
  /** The width of both yardsticks' embedding layer (a constant of their scripts). */
  static final int EMBEDDING_DIM = 64;
  static final double LEARNING_RATE = 1e-3;
  static final double ALPHA = 1.0;
  /** Examples in one mini-batch. */
  static final int BATCH_ROWS = M * D;
  /** The yardstick, against the working directory (the repository root). */
  public static final String DEFAULT_PEER = "../shared/peers/torch_magnet.py";
  public static final String DEFAULT_PYTHON = "/usr/bin/python3";
  /** The held-out metric the time-to-accuracy section reads, Magnet's and the peer's 1-NN accuracy. */
  static final String ACCURACY_METRIC = Metric.KNN1_ACCURACY.key();
  /** Options of {@code train} that the bench sets itself on every run. */
  static final Set<String> SET_BY_BENCH = Set.of(TrainArgs.DATA, TrainArgs.VALIDATION, TrainArgs.LIMIT,
      TrainArgs.EPOCHS, TrainArgs.OUTPUT, TrainArgs.OVERWRITE, "--master", TrainArgs.K, TrainArgs.CLUSTERS_PER_CLASS,
      TrainArgs.M, TrainArgs.CLUSTERS_PER_BATCH, TrainArgs.D, TrainArgs.EXAMPLES_PER_CLUSTER, TrainArgs.ALPHA,
      TrainArgs.EMBEDDING_DIM, TrainArgs.LEARNING_RATE, TrainArgs.METRICS,
      TrainArgs.PUBLISH_TO, TrainArgs.NO_REPORT);

  public BenchRequest {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(validation, "validation");
    trainArgs = List.copyOf(trainArgs);
    magnetCommand = List.copyOf(magnetCommand);
  }

  /** Checks the options together; {@link IllegalArgumentException} naming the rule and the value. */
  public BenchRequest check() {
    if (limit < BATCH_ROWS) {
      throw new IllegalArgumentException("--limit must be at least " + BATCH_ROWS + " (one batch of M*D examples);"
          + " limit=" + limit);
    }
    if (epochs < 1 || maxEpochs < 1) {
      throw new IllegalArgumentException("--epochs and --max-epochs must be at least 1; epochs=" + epochs
          + " max-epochs=" + maxEpochs);
    }
    if (cores < 2) {
      throw new IllegalArgumentException("--cores must be at least 2 (the scaling run is local[1] against it);"
          + " cores=" + cores);
    }
    if (!(targetAccuracy > 0 && targetAccuracy <= 1)) {
      throw new IllegalArgumentException("--target-accuracy must be in (0, 1]; target-accuracy=" + targetAccuracy);
    }
    if (!skipPeer && data.kind() != DataSource.Kind.FASHION_MNIST) {
      throw new IllegalArgumentException("the peer reads Fashion-MNIST only: --data other than fashion-mnist needs"
          + " --skip-peer; data=" + data);
    }
    if (!skipPeer && !skipTimeToAccuracy && validation.kind() != DataSource.Kind.FASHION_MNIST_TEST) {
      throw new IllegalArgumentException("the peer measures its accuracy on the Fashion-MNIST test set: --validation"
          + " other than fashion-mnist-test needs --skip-peer or --skip-time-to-accuracy; validation=" + validation);
    }
    for (String arg : trainArgs) {
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      if (SET_BY_BENCH.contains(name)) {
        throw new IllegalArgumentException("--train-arg must not set an option the bench sets itself ("
            + String.join(", ", SET_BY_BENCH.stream().sorted().toList()) + "); train-arg=" + arg);
      }
    }
    return this;
  }
}
