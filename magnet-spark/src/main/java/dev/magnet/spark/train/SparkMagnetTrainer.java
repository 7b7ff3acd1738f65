package dev.magnet.spark.train;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.train.MagnetParams;
import dev.magnet.spark.data.SparkDataset;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;

/** The distributed training loop (DESIGN.md §3, "One epoch, as data flows"). */
public final class SparkMagnetTrainer {
  private final JavaSparkContext spark;
  private final MagnetParams params;
  private final NetworkSpec spec;
  private final TrainingOptions options;

  public SparkMagnetTrainer(JavaSparkContext spark, MagnetParams params, NetworkSpec spec, TrainingOptions options) {
    this.spark = spark;
    this.params = params;
    this.spec = spec;
    this.options = options;
  }

  /** The trained model, every epoch's metrics (resumed ones included), and where this run began. */
  public record Outcome(ModelArtifact model, List<SparkEpochMetrics> epochs, int firstEpochRun) {}

  /**
   * Trains on {@code train}; evaluates on {@code validation} after every epoch when given.
   *
   * @param validation held-out examples, or null
   */
  public Outcome fit(SparkDataset train, SparkDataset validation, Consumer<SparkEpochMetrics> listener) {
    throw new UnsupportedOperationException("the Spark training loop is being written");
  }
}
