package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.executor.LossGuard;
import dev.magnet.spark.metrics.AveragingCost;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.BlockId;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import scala.runtime.AbstractFunction1;

/**
 * Averaging in one barrier stage computes what parameter averaging computes: every round, the
 * mean of the parameters and updater states of the workers that fitted batches in it, checked
 * against the same rounds run by hand in one JVM. It leaves no block behind, and a diverging
 * worker stops every task with the batch's number.
 */
class BarrierAveragingTest {
  @SparkTestSession.PerClass
  static JavaSparkContext spark;

  /** A Magnet batch for the tiny model: 8 rows of 4 values, 4 clusters of 2 classes, tagged with its number. */
  private static DataSet batch(int number, boolean nan) {
    Nd4j.getRandom().setSeed(100 + number);
    INDArray features = Nd4j.rand(DataType.FLOAT, 8, 4);
    if (nan) {
      features.putScalar(0, 0, Float.NaN);
    }
    DataSet batch = new DataSet(features, Nd4j.create(new float[][] {
        {0, 0}, {0, 0}, {1, 0}, {1, 0}, {2, 1}, {2, 1}, {3, 1}, {3, 1}}));
    LossGuard.tag(batch, number);
    return batch;
  }

  /** Batches 0 to {@code count - 1}, batch {@code nanAt} with a NaN feature (none when -1). */
  private static List<DataSet> batches(int count, int nanAt) {
    List<DataSet> batches = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      batches.add(batch(b, b == nanAt));
    }
    return batches;
  }

  /** In step (lag 0) and overlapped alike: the two exchanges give the same means, so the same bits. */
  @ParameterizedTest(name = "lag {0}")
  @ValueSource(ints = {0, 2})
  void averagingThroughMemoryGivesTheBitsOfAveragingThroughBlocks(int lag) {
    List<DataSet> batches = batches(11, -1);
    MultiLayerNetwork start = TestModels.tiny().network();
    MultiLayerNetwork memory = start.clone();
    MultiLayerNetwork blocks = start.clone();
    BarrierAveraging.fit(spark, memory, spark.parallelize(batches, 2), 3, lag, List.of(), 0, true);
    BarrierAveraging.fit(spark, blocks, spark.parallelize(batches, 2), 3, lag, List.of(), 0, false);
    assertArrayEquals(blocks.params().toFloatVector(), memory.params().toFloatVector(), "parameters");
    assertArrayEquals(blocks.getUpdater().getStateViewArray().toFloatVector(),
        memory.getUpdater().getStateViewArray().toFloatVector(), "updater state");
    assertEquals(blocks.getLayerWiseConfigurations().getIterationCount(),
        memory.getLayerWiseConfigurations().getIterationCount());
  }

  /**
   * Spark's slices of 9: batches 0-3 for task 0, 4-8 for task 1; every 2 batches: rounds of
   * 2 + 2, 2 + 2, then task 1's last batch alone, task 0 sitting it out. In step (lag 0) every
   * round starts from the mean of the workers that fitted batches in the round before; at lag 1
   * a task takes that mean in after one batch of its next round (task 1 after its only batch of
   * round 2, task 0 at round 2's end), which changes the result. Both end with the last mean.
   */
  @ParameterizedTest(name = "lag {0}")
  @ValueSource(ints = {0, 1})
  void everyRoundIsTheMeanOfTheWorkersThatFittedBatchesInIt(int lag) {
    List<DataSet> batches = batches(9, -1);
    List<List<DataSet>> parts = List.of(batches.subList(0, 4), batches.subList(4, 9));
    MultiLayerNetwork start = TestModels.tiny().network();
    MultiLayerNetwork expected = byHand(start.clone(), parts, 2, lag);

    MultiLayerNetwork network = start.clone();
    AveragingCost cost = BarrierAveraging.fit(spark, network, spark.parallelize(batches, 2), 2, lag, List.of(), 0);

    assertEquals(3, cost.rounds());
    assertArrayEquals(expected.params().toFloatVector(), network.params().toFloatVector(), 1e-6f, "parameters");
    assertArrayEquals(expected.getUpdater().getStateViewArray().toFloatVector(),
        network.getUpdater().getStateViewArray().toFloatVector(), 1e-6f, "updater state");
    assertEquals(5, network.getLayerWiseConfigurations().getIterationCount(), "the busiest worker's updates");
    assertTrue(cost.updateSeconds() > 0 && cost.waitForSlowestSeconds() >= 0 && cost.exchangeSeconds() > 0, cost.toString());
    if (lag > 0) {
      INDArray inStep = byHand(start.clone(), parts, 2, 0).params();
      assertTrue(inStep.sub(network.params()).amaxNumber().doubleValue() > 1e-5,
          "the lag changes what the rounds compute; the in-step parameters came back");
    }
  }

  @ParameterizedTest(name = "lag {0}")
  @ValueSource(ints = {0, 1})
  void aStageWithNoBatchesLeavesTheNetworkAsItWas(int lag) {
    MultiLayerNetwork network = TestModels.tiny().network();
    INDArray before = network.params().dup();
    AveragingCost cost = BarrierAveraging.fit(spark, network, spark.parallelize(List.<DataSet>of(), 2), 2, lag,
        List.of(), 0);
    assertEquals(0, cost.rounds());
    assertEquals(before, network.params());
  }

  @Test
  void noBlockOfTheExchangeOutlivesTheStage() throws InterruptedException {
    List<DataSet> batches = batches(6, -1);
    BarrierAveraging.fit(spark, TestModels.tiny().network(), spark.parallelize(batches, 2), 1, 0, List.of(), 0);
    long deadline = System.currentTimeMillis() + 10_000; // the broadcast's removal runs in the background
    int left;
    do {
      left = exchangeBlocks();
      Thread.sleep(left == 0 ? 0 : 50);
    } while (left > 0 && System.currentTimeMillis() < deadline);
    assertEquals(0, left, "blocks named magnet_allreduce left in the block managers");
  }

  /**
   * In step, and overlapped with the NaN in task 1's first round (batches 4 and 5), which task 0
   * learns of one batch into its next round.
   */
  @ParameterizedTest(name = "lag {0}, NaN in batch {1}")
  @CsvSource({"0, 6", "1, 5"})
  void aDivergingWorkerStopsEveryTaskAndItsBatchIsNamed(int lag, int nanAt) {
    List<DataSet> batches = batches(8, nanAt);
    MultiLayerNetwork network = TestModels.tiny().network();
    INDArray before = network.params().dup();
    LossGuard.NonFiniteTraining diverged = assertThrows(LossGuard.NonFiniteTraining.class,
        () -> BarrierAveraging.fit(spark, network, spark.parallelize(batches, 2), 2, lag, List.of(new LossGuard()), 0));
    assertEquals(nanAt, diverged.batch());
    assertEquals(before, network.params(), "the driver's network is left as it was");
  }

  @Test
  void unavailableWhenTheWorkersCannotAllRunAtOnce() {
    MultiLayerNetwork network = TestModels.tiny().network();
    assertEquals(java.util.Optional.empty(), BarrierAveraging.unavailable(spark, network, 2));
    String why = BarrierAveraging.unavailable(spark, network, 3).orElseThrow();
    assertTrue(why.contains("3 workers need 3 task slots") && why.contains("has 2"), why);
  }

  /**
   * Parameter averaging's rounds by hand in one JVM: each worker fits its next batches, then the
   * round's mean is taken over the workers that fitted any. In step ({@code lag} 0) a worker starts
   * its next round from the mean; with a lag it adds the mean less what it sent to what it has,
   * after {@code lag} of its next round's batches (or at the round's end when it has fewer). All
   * end with the last round's mean.
   */
  private static MultiLayerNetwork byHand(MultiLayerNetwork start, List<List<DataSet>> parts, int frequency,
      int lag) {
    int n = parts.size();
    List<MultiLayerNetwork> workers = new ArrayList<>();
    for (int w = 0; w < n; w++) {
      workers.add(start.clone());
    }
    INDArray[] sentParams = new INDArray[n];
    INDArray[] sentState = new INDArray[n];
    INDArray meanParams = null;
    INDArray meanState = null;
    int most = parts.stream().mapToInt(List::size).max().orElseThrow();
    for (int from = 0; from < most; from += frequency) {
      INDArray sumParams = null;
      INDArray sumState = null;
      int count = 0;
      for (int w = 0; w < n; w++) {
        MultiLayerNetwork worker = workers.get(w);
        List<DataSet> part = parts.get(w);
        List<DataSet> round = from >= part.size() ? List.of()
            : part.subList(from, Math.min(part.size(), from + frequency));
        boolean taken = false;
        for (int b = 0; b < round.size(); b++) {
          if (b == lag) {
            correct(worker, lag, meanParams, meanState, sentParams[w], sentState[w]);
            taken = true;
          }
          worker.fit(round.get(b));
        }
        if (!taken) {
          correct(worker, lag, meanParams, meanState, sentParams[w], sentState[w]);
        }
        sentParams[w] = worker.params().dup();
        sentState[w] = worker.getUpdater().getStateViewArray().dup();
        if (!round.isEmpty()) {
          count++;
          sumParams = sumParams == null ? sentParams[w].dup() : sumParams.addi(sentParams[w]);
          sumState = sumState == null ? sentState[w].dup() : sumState.addi(sentState[w]);
        }
      }
      meanParams = sumParams.divi(count);
      meanState = sumState.divi(count);
    }
    for (MultiLayerNetwork worker : workers) {
      worker.params().assign(meanParams);
      worker.getUpdater().getStateViewArray().assign(meanState);
    }
    return workers.get(0);
  }

  /**
   * A worker's vector takes the round before's mean in: the mean itself in step (its vector is
   * still what it sent), else what it has plus the mean less what it sent; nothing before the
   * first mean.
   */
  private static void correct(MultiLayerNetwork worker, int lag, INDArray meanParams, INDArray meanState,
      INDArray sentParams, INDArray sentState) {
    if (meanParams == null) {
      return;
    }
    if (lag == 0) {
      worker.params().assign(meanParams);
      worker.getUpdater().getStateViewArray().assign(meanState);
    } else {
      worker.params().addi(meanParams.sub(sentParams));
      worker.getUpdater().getStateViewArray().addi(meanState.sub(sentState));
    }
  }

  private static int exchangeBlocks() {
    scala.collection.Seq<BlockId> ids = SparkEnv.get().blockManager().master().getMatchingBlockIds(
        new AbstractFunction1<BlockId, Object>() {
          @Override
          public Object apply(BlockId id) {
            return id.name().contains("magnet_allreduce");
          }
        }, true);
    return ids.size();
  }
}
