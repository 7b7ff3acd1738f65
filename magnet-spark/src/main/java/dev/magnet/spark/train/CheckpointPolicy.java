package dev.magnet.spark.train;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.Provenance;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Where the trainer's per-epoch checkpoints go and where a resumed run starts from. A
 * checkpoint is a complete model directory (network with its updater state, index, metrics so
 * far), written atomically, so a run killed at any moment resumes from the last finished epoch.
 *
 * @param store where the checkpoints go, or null when the run writes none
 * @param resume whether the run starts from the newest usable checkpoint
 * @param params the run's parameters, which a checkpoint to resume from must have
 * @param spec the run's network, which a checkpoint to resume from must have (the learning rate aside)
 */
record CheckpointPolicy(CheckpointStore store, boolean resume, MagnetParams params, NetworkSpec spec) {
  static CheckpointPolicy of(TrainingOptions options, JavaSparkContext spark, MagnetParams params, NetworkSpec spec) {
    CheckpointStore store = options.checkpointDir() == null ? null
        : new CheckpointStore(options.checkpointDir(), spark.hadoopConfiguration());
    return new CheckpointPolicy(store, options.resume(), params, spec);
  }

  /**
   * The state after the newest usable checkpoint, when resuming and one exists (docs/reliability.md,
   * "Resume"). A newer checkpoint that is incomplete, corrupt or holds non-finite parameters is
   * skipped, and {@code warnings} told so. The checkpoint must be of this run: its parameters (the
   * number of epochs aside), network (the learning rate aside), labels and training data must be
   * this run's, else resuming would silently train another model: a mismatch is an argument error
   * naming both sides. A lower learning rate is how a run that diverged continues from its last
   * good checkpoint, so it is applied, with a warning.
   */
  Optional<SparkMagnetTrainer.State> resume(List<String> labelNames, DataFingerprint data, Consumer<String> warnings) {
    if (!resume) {
      return Optional.empty();
    }
    Optional<CheckpointStore.Checkpoint> latest;
    try {
      latest = store.latest(warnings);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resume from the last checkpoint in " + store.directory() + ": "
          + e.getMessage(), e);
    }
    return latest.map(checkpoint -> {
      ModelArtifact model = checkpoint.model();
      String path = store.pathOf(checkpoint.epoch());
      if (!model.params().withEpochs(params.epochs()).equals(params)) {
        throw mismatch(path, "was trained with other parameters; checkpoint=" + model.params() + ", this run=" + params);
      }
      NetworkSpec trained = model.networkSpec();
      if (!trained.withLearningRate(spec.learningRate()).equals(spec)) {
        throw mismatch(path, "has another network; checkpoint=" + trained + ", this run=" + spec);
      }
      if (!model.labelNames().equals(labelNames)) {
        throw mismatch(path, "has other labels; checkpoint=" + model.labelNames() + ", this run=" + labelNames);
      }
      if (checkpoint.dataFingerprint() == null) {
        warnings.accept("checkpoint " + path + " does not record its training data (an earlier Magnet wrote it):"
            + " resuming without checking that the data is the same");
      } else if (!checkpoint.dataFingerprint().equals(data.text())) {
        throw mismatch(path, "was trained on other data; checkpoint: " + checkpoint.dataFingerprint() + "; this run: "
            + data.text());
      }
      MultiLayerNetwork network = model.network();
      if (trained.learningRate() != spec.learningRate()) {
        network.setLearningRate(spec.learningRate());
        warnings.accept("resuming " + path + " with learning rate " + spec.learningRate() + "; it was trained with "
            + trained.learningRate());
      }
      return new SparkMagnetTrainer.State(network, model.index(), checkpoint.epoch(), checkpoint.history());
    });
  }

  private JobException mismatch(String path, String what) {
    return new JobException(ExitCodes.BAD_ARGUMENTS, "cannot resume: checkpoint " + path + " " + what
        + " (resume with the same data and parameters, or train into another checkpoint directory)");
  }

  /** Writes the checkpoint of a finished epoch; a no-op without a checkpoint directory. */
  void save(int epoch, MultiLayerNetwork network, Supplier<ClusterIndex> index, List<SparkEpochMetrics> history,
      SparkDataset train, DataFingerprint data) {
    if (store == null) {
      return;
    }
    ModelArtifact model = new ModelArtifact(network, index.get(), train.labelNames(), params, spec,
        Provenance.now(train.description(), data.examples(), epoch));
    try {
      store.write(epoch, model, history, data.text());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint of epoch " + epoch + " to " + store.pathOf(epoch)
          + ": " + e.getMessage(), e);
    }
  }
}
