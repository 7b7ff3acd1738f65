package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.BroadcastBlockId;
import org.junit.jupiter.api.Test;
import scala.Option;
import scala.collection.JavaConverters;

/**
 * What a training run broadcasts (the network to embed with, the batch plan, the centroids, the
 * network to score with) is destroyed by the time the run returns, so that nothing of it stays in
 * the driver's block manager, where Spark counts it in its storage, epoch after epoch. Spark's own
 * broadcasts of task closures (byte arrays, dropped by its cleaner) are not the run's.
 */
class BroadcastLifetimeTest {
  /** Destroying a broadcast is asynchronous: how long the driver's block manager gets to drop it. */
  private static final long DROP_LIMIT_MS = 30_000;
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  @Test
  void aShortFitLeavesNoBroadcastOfItsOwn() throws Exception {
    LabelledDataset data = SyntheticData.vectors(3, 2, 40, 6, 3.0, 1.0, 41);
    SparkMagnetTrainerTest.Halves halves = SparkMagnetTrainerTest.Halves.of(spark, data);
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(6)).withEmbeddingDim(6)
        .withHiddenSizes(List.of(16));
    // Refreshed every 3 batches: several embeddings, index refreshes and batch plans per epoch.
    MagnetParams params = MagnetParams.defaults().withClusters(2, 3, 4).withSeed(13).withEpochs(2)
        .withRefreshEveryBatches(3);
    Map<Long, String> before = broadcastValues();

    new SparkMagnetTrainer(spark, params, spec, TrainingOptions.defaults())
        .fit(halves.train(), halves.test(), m -> { });

    Map<Long, String> left = new TreeMap<>();
    long deadline = System.currentTimeMillis() + DROP_LIMIT_MS;
    do {
      left = broadcastValues();
      left.keySet().removeAll(before.keySet());
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(200);
    } while (System.currentTimeMillis() < deadline);
    assertEquals(Map.of(), left, "broadcasts the run left in the driver's block manager (id: value class)");
  }

  /**
   * The broadcasts whose values the driver's block manager holds, other than Spark's task
   * closures (byte arrays): id to the value's class.
   */
  private static Map<Long, String> broadcastValues() {
    BlockManager blocks = SparkEnv.get().blockManager();
    List<BlockId> ids = new ArrayList<>(JavaConverters.seqAsJavaListConverter(blocks.getMatchingBlockIds(
        id -> id instanceof BroadcastBlockId b && b.field().isEmpty())).asJava());
    Map<Long, String> values = new TreeMap<>();
    for (BlockId id : ids) {
      Option<BlockResult> local = blocks.getLocalValues(id);
      if (local.isEmpty()) {
        continue;
      }
      scala.collection.Iterator<Object> data = local.get().data();
      Object value = data.hasNext() ? data.next() : null;
      while (data.hasNext()) { // reading to the end releases the block's read lock
        data.next();
      }
      if (value != null && !(value instanceof byte[])) {
        values.put(((BroadcastBlockId) id).broadcastId(), value.getClass().getName());
      }
    }
    return values;
  }
}
