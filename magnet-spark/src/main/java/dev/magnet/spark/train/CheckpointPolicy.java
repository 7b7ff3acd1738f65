package dev.magnet.spark.train;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.Provenance;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Where the trainer's per-epoch checkpoints go and where a resumed run starts from. A
 * checkpoint is a complete model directory (network with its updater state, index, metrics so
 * far), written atomically, so a run killed at any moment resumes from the last finished epoch.
 */
final class CheckpointPolicy {
  private final CheckpointStore store;
  private final boolean resume;
  private final MagnetParams params;
  private final NetworkSpec spec;

  private CheckpointPolicy(CheckpointStore store, boolean resume, MagnetParams params, NetworkSpec spec) {
    this.store = store;
    this.resume = resume;
    this.params = params;
    this.spec = spec;
  }

  static CheckpointPolicy of(TrainingOptions options, JavaSparkContext spark, MagnetParams params, NetworkSpec spec) {
    CheckpointStore store = options.checkpointDir() == null ? null
        : new CheckpointStore(options.checkpointDir(), spark.hadoopConfiguration());
    return new CheckpointPolicy(store, options.resume(), params, spec);
  }

  /**
   * The state after the last complete checkpoint, when resuming and one exists. Its parameters
   * must be this run's (the number of epochs aside): resuming with others would silently train a
   * different model.
   */
  Optional<SparkMagnetTrainer.State> resume(List<String> labelNames) {
    if (!resume) {
      return Optional.empty();
    }
    Optional<CheckpointStore.Checkpoint> latest;
    try {
      latest = store.latest();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resume from the last checkpoint in " + store.directory() + ": "
          + e.getMessage(), e);
    }
    return latest.map(checkpoint -> {
      ModelArtifact model = checkpoint.model();
      if (!model.params().withEpochs(params.epochs()).equals(params)) {
        throw new IllegalArgumentException("checkpoint " + store.pathOf(checkpoint.epoch())
            + " was trained with other parameters; checkpoint=" + model.params() + ", this run=" + params);
      }
      if (!model.networkSpec().equals(spec)) {
        throw new IllegalArgumentException("checkpoint " + store.pathOf(checkpoint.epoch())
            + " has another network; checkpoint=" + model.networkSpec() + ", this run=" + spec);
      }
      if (!model.labelNames().equals(labelNames)) {
        throw new IllegalArgumentException("checkpoint " + store.pathOf(checkpoint.epoch())
            + " has other labels; checkpoint=" + model.labelNames() + ", this run=" + labelNames);
      }
      return new SparkMagnetTrainer.State(model.network(), model.index(), checkpoint.epoch(), checkpoint.history());
    });
  }

  /** Writes the checkpoint of a finished epoch; a no-op without a checkpoint directory. */
  void save(int epoch, MultiLayerNetwork network, Supplier<ClusterIndex> index, List<SparkEpochMetrics> history,
      SparkDataset train, long examples) {
    if (store == null) {
      return;
    }
    ModelArtifact model = new ModelArtifact(network, index.get(), train.labelNames(), params, spec,
        Provenance.now(train.description(), examples, epoch));
    try {
      store.write(epoch, model, history);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint of epoch " + epoch + " to " + store.pathOf(epoch)
          + ": " + e.getMessage(), e);
    }
  }
}
