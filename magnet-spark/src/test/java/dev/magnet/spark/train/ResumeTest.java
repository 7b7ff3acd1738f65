package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.io.CheckpointStore;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  @TempDir Path tmp;

  @Test
  void resumeContinuesAtTheNextEpochFromTheCheckpointedParameters() throws Exception {
    LabelledDataset data = SyntheticData.vectors(3, 2, 40, 6, 3.0, 1.0, 23);
    SparkDataset train = SparkMagnetTrainerTest.dataset(spark, data, 0, data.size(), 0);
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(6)).withEmbeddingDim(6).withHiddenSizes(List.of(16));
    MagnetParams params = MagnetParams.defaults().withClusters(2, 3, 4).withSeed(9);
    String dir = tmp.resolve("checkpoints").toUri().toString();
    TrainingOptions options = TrainingOptions.defaults().withAveragingFrequency(2).withCheckpoints(dir, true);

    // A run that "stops" after 2 epochs: its checkpoints are all a killed run leaves behind.
    SparkMagnetTrainer.Outcome stopped = new SparkMagnetTrainer(spark, params.withEpochs(2), spec, options)
        .fit(train, null, m -> { });
    CheckpointStore store = new CheckpointStore(dir, spark.hadoopConfiguration());
    CheckpointStore.Checkpoint last = store.latest().orElseThrow();
    assertEquals(2, last.epoch());
    assertEquals(stopped.model().network().params(), last.model().network().params());

    List<SparkEpochMetrics> resumedEpochs = new ArrayList<>();
    SparkMagnetTrainer.Outcome resumed = new SparkMagnetTrainer(spark, params.withEpochs(4), spec, options)
        .fit(train, null, resumedEpochs::add);
    assertEquals(3, resumed.firstEpochRun());
    assertEquals(List.of(3, 4), resumedEpochs.stream().map(SparkEpochMetrics::epoch).toList());
    assertEquals(4, resumed.epochs().size(), "history holds the checkpointed epochs and the new ones");
    assertEquals(last.history().get(0), resumed.epochs().get(0));
    assertEquals(4, store.latest().orElseThrow().epoch());

    // A checkpoint from before fingerprints resumes, saying that the data goes unchecked.
    store.write(4, store.latest().orElseThrow().model(), resumed.epochs());
    List<String> warnings = new ArrayList<>();
    new SparkMagnetTrainer(spark, params.withEpochs(5), spec, options).warnTo(warnings::add).fit(train, null, m -> { });
    assertEquals(List.of("checkpoint " + store.pathOf(4) + " does not record its training data (an earlier Magnet"
        + " wrote it): resuming without checking that the data is the same"), warnings);

    // Resuming with other parameters would train another model: refused, naming both.
    JobException other = assertThrows(JobException.class,
        () -> new SparkMagnetTrainer(spark, params.withEpochs(6).withAlpha(0.5), spec, options).fit(train, null, m -> { }));
    assertEquals(ExitCodes.BAD_ARGUMENTS, other.exitCode());
    assertTrue(other.getMessage().contains("was trained with other parameters"), other.getMessage());
  }
}
