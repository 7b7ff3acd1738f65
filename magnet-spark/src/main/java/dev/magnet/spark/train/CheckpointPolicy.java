package dev.magnet.spark.train;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.spark.data.SparkDataset;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/** Where the trainer's per-epoch checkpoints go and where a resumed run starts from. */
final class CheckpointPolicy {
  private CheckpointPolicy() {}

  static CheckpointPolicy of(TrainingOptions options, JavaSparkContext spark) {
    return new CheckpointPolicy();
  }

  Optional<SparkMagnetTrainer.State> resume() {
    return Optional.empty();
  }

  void save(int epoch, MultiLayerNetwork network, ClusterIndex index, List<SparkEpochMetrics> history,
      SparkDataset train, long examples) {}
}
