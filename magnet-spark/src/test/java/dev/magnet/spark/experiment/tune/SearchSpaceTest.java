package dev.magnet.spark.experiment.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.ml.MagnetEstimator;
import dev.magnet.spark.train.TrainingOptions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The grids of each loss, the draw of trials, and the train options of a point. No Spark job. */
class SearchSpaceTest {
  private static MagnetEstimator estimator(LossKind loss) {
    return MagnetEstimator.of(MagnetParams.defaults().withLoss(loss), NetworkChoice.defaults(),
        TrainingOptions.defaults());
  }

  @Test
  void everyLossSearchesTheLearningRateAndWidthAndItsOwnHyperParameters() {
    assertEquals(9, new SearchSpace(estimator(LossKind.SOFTMAX), 10).grid().size(), "3 rates x 3 widths");
    assertEquals(36, new SearchSpace(estimator(LossKind.TRIPLET), 10).grid().size(), "x 4 margins");
    // 10 classes: K=1 leaves 9 impostors (M <= 10: two shapes), every other K all three:
    // 9 x 5 alphas x (2 + 3 + 3 + 3 + 3) x 3 refreshes.
    assertEquals(9 * 5 * 14 * 3, new SearchSpace(estimator(LossKind.MAGNET), 10).grid().size());
  }

  @Test
  void magnetPointsWithoutEnoughImpostorsAreLeftOut() {
    // 4 coarse classes: K=1 gives 3 impostors (no shape fits), K=2 gives 6 (only M=6): 9 x 5 alphas x (0 + 1 + 3 + 3 + 3) x 3.
    List<SearchPoint> grid = new SearchSpace(estimator(LossKind.MAGNET), 4).grid();
    assertEquals(9 * 5 * 10 * 3, grid.size());
    assertTrue(grid.stream().allMatch(p -> 3L * (Integer) p.values().get("clustersPerClass")
        >= (Integer) p.values().get("clustersPerBatch") - 1));
  }

  @Test
  void theFirstTrialIsTheEstimatorsOwnAndTheRestAreDistinctSeededDraws() {
    SearchSpace space = new SearchSpace(estimator(LossKind.MAGNET).setAlpha(0.5), 10);
    List<SearchPoint> trials = space.draw(20, 42);
    assertEquals(20, trials.size());
    assertEquals(0.5, trials.get(0).values().get("alpha"));
    assertEquals(8, trials.get(0).values().get("clustersPerClass"));
    assertEquals(1, trials.get(0).values().get(SearchPoint.REFRESHES), "once per epoch: the default");
    assertEquals(20, new HashSet<>(trials.stream().map(SearchPoint::values).toList()).size(), "no point twice");
    assertEquals(trials.stream().map(SearchPoint::values).toList(),
        new SearchSpace(estimator(LossKind.MAGNET).setAlpha(0.5), 10).draw(20, 42).stream().map(SearchPoint::values)
            .toList(), "seeded, whatever the estimator's uid");
    assertEquals(9, new SearchSpace(estimator(LossKind.SOFTMAX), 10).draw(20, 42).size(),
        "a grid smaller than the budget is searched whole");
  }

  @Test
  void aPointsOptionsStateEveryValueAndTheRefreshesPerEpochWhateverTheDataTrainedOn() {
    MagnetEstimator magnet = estimator(LossKind.MAGNET);
    SearchPoint point = new SearchSpace(magnet, 10).grid().stream()
        .filter(p -> p.values().equals(Map.of("learningRate", 3e-3, "embeddingDim", 32, "alpha", 0.25,
            "clustersPerClass", 4, "clustersPerBatch", 8, "examplesPerCluster", 6, SearchPoint.REFRESHES, 5)))
        .findFirst().orElseThrow();
    assertEquals(200, point.refreshEvery(1000), "5 refreshes in 1000 batches");
    assertEquals(0, new SearchSpace(magnet, 10).own().refreshEvery(1000), "once per epoch is 0");
    assertEquals(List.of("--loss", "magnet", "--learning-rate", "0.003", "--embedding-dim", "32", "--alpha", "0.25",
        "--clusters-per-class", "4", "--clusters-per-batch", "8", "--examples-per-cluster", "6",
        "--refreshes-per-epoch", "5"), SearchSpace.trainOptions(point, LossKind.MAGNET));
    assertEquals(200, (Integer) point.paramMap(magnet, 1000).apply(magnet.refreshEveryBatches()));
    SearchPoint triplet = new SearchSpace(estimator(LossKind.TRIPLET), 10).own();
    assertEquals(List.of("--loss", "triplet", "--learning-rate", "0.0003", "--embedding-dim", "32",
        "--triplet-margin", "0.2"), SearchSpace.trainOptions(triplet, LossKind.TRIPLET), "the defaults, every one stated");
  }
}
