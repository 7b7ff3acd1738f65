package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

/**
 * {@link TrainingMasterKind#SHARING} in local mode: DL4J's gradient sharing runs Magnet's loop
 * unchanged (index refreshed on the driver between splits, neighbourhood batches planned there, the
 * Magnet loss layer on the workers), several fits per epoch on one master.
 */
class GradientSharingTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  @Test
  void magnetTrainsWithGradientSharingOverSeveralSplitsPerEpoch() throws Exception {
    SparkMagnetTrainerTest.Halves halves = SparkMagnetTrainerTest.Halves.of(spark, SparkMagnetTrainerTest.fourClasses());
    // 320 examples in batches of 4·4 = 16 rows: 20 batches an epoch, refreshed every 5, so 4 splits.
    MagnetParams params = MagnetParams.defaults().withClusters(2, 4, 4).withEpochs(3).withSeed(5)
        .withRefreshEveryBatches(5);
    NetworkSpec spec = SparkMagnetTrainerTest.fourClassesNetwork();
    List<SparkEpochMetrics> seen = new ArrayList<>();
    SparkMagnetTrainer.Outcome outcome = new SparkMagnetTrainer(spark, params, spec,
        TrainingOptions.defaults().withTrainingMaster(TrainingMasterKind.SHARING))
        .fit(halves.train(), halves.test(), seen::add);
    assertEquals(3, seen.size());
    double first = seen.get(0).loss();
    double last = seen.get(2).loss();
    assertTrue(last < first, "loss falls: " + first + " -> " + last);
    double accuracy = seen.get(2).validation().get("knn1_accuracy");
    // Four classes: chance is 0.25.
    assertTrue(accuracy > 0.8, "held-out 1-NN accuracy " + accuracy);
    for (SparkEpochMetrics epoch : seen) {
      assertEquals(0.0, epoch.averagingSeconds(), "sharing has no averaging rounds to time");
      assertTrue(epoch.fitSeconds() > 0);
    }
    assertNotEquals(0.0, outcome.model().network().params().sumNumber().doubleValue());
    assertNoAeronFilesLeft();
  }

  /**
   * A second sharing run in the same JVM (DL4J's parameter server and worker are per-JVM
   * singletons, which a new master must take over) that resumes the first's checkpoint.
   */
  @Test
  void aSharingRunResumesFromTheCheckpointOfAnotherInTheSameJvm(@TempDir Path tmp) throws Exception {
    LabelledDataset data = SyntheticData.vectors(3, 2, 40, 6, 3.0, 1.0, 23);
    SparkDataset train = SparkMagnetTrainerTest.dataset(spark, data, 0, data.size(), 0);
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(6)).withEmbeddingDim(6)
        .withHiddenSizes(List.of(16));
    MagnetParams params = MagnetParams.defaults().withClusters(2, 3, 4).withSeed(9);
    String dir = tmp.resolve("checkpoints").toUri().toString();
    TrainingOptions options = TrainingOptions.defaults().withTrainingMaster(TrainingMasterKind.SHARING)
        .withCheckpoints(dir, true).startingIfNone();
    SparkMagnetTrainer.Outcome first = new SparkMagnetTrainer(spark, params.withEpochs(2), spec, options)
        .fit(train, null, m -> { });
    CheckpointStore store = new CheckpointStore(dir, spark.hadoopConfiguration());
    assertEquals(first.model().network().params(), store.latest().orElseThrow().model().network().params());

    SparkMagnetTrainer.Outcome resumed = new SparkMagnetTrainer(spark, params.withEpochs(3), spec, options)
        .fit(train, null, m -> { });
    assertEquals(3, resumed.firstEpochRun());
    assertEquals(3, resumed.epochs().size());
    double fresh = first.epochs().get(0).loss();
    double continued = resumed.epochs().get(2).loss();
    assertTrue(Double.isFinite(continued) && continued < fresh, "continued from the trained network: epoch 1 loss "
        + fresh + ", epoch 3 loss " + continued);
    assertNoAeronFilesLeft();
  }

  /**
   * A sharing run that fails once the mesh is up (here the epoch listener throws after epoch 1)
   * still shuts the mesh down and leaves no Aeron directory.
   */
  @Test
  void aSharingRunThatFailsLeavesNoAeronFiles() throws Exception {
    LabelledDataset data = SyntheticData.vectors(3, 2, 40, 6, 3.0, 1.0, 31);
    SparkDataset train = SparkMagnetTrainerTest.dataset(spark, data, 0, data.size(), 0);
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(6)).withEmbeddingDim(6)
        .withHiddenSizes(List.of(16));
    MagnetParams params = MagnetParams.defaults().withClusters(2, 3, 4).withSeed(3).withEpochs(2);
    SparkMagnetTrainer trainer = new SparkMagnetTrainer(spark, params, spec,
        TrainingOptions.defaults().withTrainingMaster(TrainingMasterKind.SHARING));
    IllegalStateException failed = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> trainer.fit(train, null, m -> {
          throw new IllegalStateException("the run fails after epoch " + m.epoch());
        }));
    assertEquals("the run fails after epoch 1", failed.getMessage());
    assertNoAeronFilesLeft();
  }

  @Test
  void aFailedSharingFitSaysHowToContinue() {
    JobException withCheckpoints = GradientSharing.fitFailed(new IllegalStateException("executor 1 lost"), 2, "/ckpt");
    assertEquals(ExitCodes.TRAINING_FAILED, withCheckpoints.exitCode());
    assertEquals("gradient sharing failed in epoch 2: executor 1 lost; continue from the last complete epoch with"
        + " --resume --checkpoint-dir /ckpt", withCheckpoints.getMessage());
    assertTrue(GradientSharing.fitFailed(new IllegalStateException("x"), 1, null).getMessage()
        .endsWith("run with --checkpoint-dir to be able to continue with --resume"));
  }

  @Test
  void theExecutorsNetworkIsACidrOrAClearError() {
    assertEquals("10.0.0.0/16", GradientSharing.networkMask("10.0.0.0/16"));
    assertEquals(null, GradientSharing.networkMask(null));
    JobException bad = org.junit.jupiter.api.Assertions.assertThrows(JobException.class,
        () -> GradientSharing.networkMask("10.0.0.0"));
    assertEquals(ExitCodes.BAD_ARGUMENTS, bad.exitCode());
    assertEquals("spark.magnet.sharing.networkMask must be an IPv4 network in CIDR form such as 10.0.0.0/16;"
        + " spark.magnet.sharing.networkMask=10.0.0.0", bad.getMessage());
  }

  /** Each JVM that gets the supplier (a copy, as a broadcast delivers it) picks a port of its own, once. */
  @Test
  void theFreePortIsChosenOncePerCopy() throws Exception {
    GradientSharing.FreePort supplier = new GradientSharing.FreePort("free-port-test", 1 << 20);
    int port = supplier.getPort();
    assertTrue(port > 0 && port < 65536, "port " + port);
    assertEquals(port, supplier.getPort());
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(supplier);
    }
    GradientSharing.FreePort copy;
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (GradientSharing.FreePort) in.readObject();
    }
    int copyPort = copy.getPort();
    assertTrue(copyPort > 0 && copyPort == copy.getPort(), "port " + copyPort);
    assertEquals(AeronFiles.UNBLOCK_TIMEOUT_NS, System.getProperty("aeron.publication.unblock.timeout"));
    assertEquals("true", System.getProperty("aeron.dir.delete.on.shutdown"));
    assertTrue(System.getProperty("aeron.dir").startsWith(AeronFiles.stem("free-port-test") + "-"
        + ProcessHandle.current().pid() + "-"), System.getProperty("aeron.dir"));
  }

  /**
   * After a sharing run, none of the Aeron directories of this application (the test JVM's media
   * drivers, named for it) is left in shared memory, and the last driver was named for it: the
   * directory the run used is gone, not one that was never made.
   */
  private static void assertNoAeronFilesLeft() throws Exception {
    String stem = AeronFiles.stem(spark.sc().applicationId());
    String used = System.getProperty("aeron.dir");
    assertTrue(used != null && used.startsWith(stem + "-" + ProcessHandle.current().pid() + "-"),
        "the media driver's directory was named for this run: " + used);
    Path parent = Path.of(stem).getParent();
    try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(parent)) {
      List<Path> left = entries.filter(p -> p.getFileName().toString().startsWith(Path.of(stem).getFileName().toString()))
          .toList();
      assertEquals(List.of(), left, "Aeron directories of this run left in " + parent);
    }
  }
}
