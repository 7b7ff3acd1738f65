package dev.magnet.spark.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.Arguments;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The table's arithmetic on hand-made epoch histories: no Spark, no training. */
class ExperimentTableTest {
  private static SparkEpochMetrics epoch(int epoch, int batches, String metric, double accuracy) {
    return new SparkEpochMetrics(epoch, 0.5, batches, 1, 1, 1, 1, 6, 100, Map.of(metric, accuracy));
  }

  /** Epochs of 250 batches with held-out 1-NN accuracies in order. */
  private static List<SparkEpochMetrics> history(String metric, double... accuracies) {
    List<SparkEpochMetrics> epochs = new ArrayList<>();
    for (int i = 0; i < accuracies.length; i++) {
      epochs.add(epoch(i + 1, 250, metric, accuracies[i]));
    }
    return epochs;
  }

  private static ExperimentSetup setup(double target) {
    return setup(target, 1);
  }

  private static ExperimentSetup setup(double target, int seeds) {
    TrainRequest template = TrainRequest.of(DataSource.parse("fashion-mnist"), "unused")
        .withData(DataSource.parse("fashion-mnist"), DataSource.parse("fashion-mnist-test"));
    return new ExperimentSetup(template, "fashion-mnist", Architecture.FMNIST_CNN, 3, OptionalInt.empty(), 42, seeds,
        target, Ablation.defaults(), 4, Map.of(), PretrainingData.DEFAULT_PRETRAIN_CLASSES, List.of(), "out/x");
  }

  private static RunResult result(RunSpec run, List<SparkEpochMetrics> epochs, Map<String, Double> evaluation) {
    return new RunResult(run, List.of("train"), List.of("evaluate"), Instant.EPOCH, Instant.EPOCH, 12.4, 3, epochs,
        evaluation);
  }

  @Test
  void iterationsToAnErrorAreTheFirstEpochBoundaryAtOrBelowIt() {
    ErrorCurve curve = ErrorCurve.of(history("knn1_accuracy", 0.80, 0.86, 0.84), "knn1_accuracy");
    assertEquals(List.of(250L, 500L, 750L), curve.points().stream().map(ErrorCurve.Point::iterations).toList());
    assertEquals(0.20, curve.points().get(0).error(), 1e-12);
    assertEquals(OptionalLong.of(500), curve.iterationsToReach(0.15));
    assertEquals(OptionalLong.of(250), curve.iterationsToReach(0.20), "at the target counts as reached");
    assertEquals(OptionalLong.empty(), curve.iterationsToReach(0.10), "never reached");
    assertEquals(0.14, curve.lowest().getAsDouble(), 1e-12);
    assertEquals(0.16, curve.last().getAsDouble(), 1e-12);
  }

  @Test
  void epochsOfDifferentSizesAddUp() {
    List<SparkEpochMetrics> epochs = List.of(epoch(1, 100, "knn1_accuracy", 0.5), epoch(2, 40, "knn1_accuracy", 0.9));
    assertEquals(OptionalLong.of(140), ErrorCurve.of(epochs, "knn1_accuracy").iterationsToReach(0.1 + 1e-9));
  }

  @Test
  void theCommonErrorIsTheLowestThatEveryCurveReaches() {
    ErrorCurve magnet = ErrorCurve.of(history("knn1_accuracy", 0.80, 0.86, 0.88), "knn1_accuracy");
    ErrorCurve triplet = ErrorCurve.of(history("knn1_accuracy", 0.82, 0.85, 0.84), "knn1_accuracy");
    double common = ErrorCurve.commonError(List.of(magnet, triplet)).getAsDouble();
    assertEquals(0.15, common, 1e-12);
    assertEquals(OptionalLong.of(500), magnet.iterationsToReach(common));
    assertEquals(OptionalLong.of(500), triplet.iterationsToReach(common));
    assertEquals(OptionalDouble.empty(), ErrorCurve.commonError(List.of()));
  }

  @Test
  void anEpochWithoutTheHeldOutMetricIsRefused() {
    List<SparkEpochMetrics> epochs = List.of(epoch(1, 10, "knn1_accuracy", 0.5));
    assertEquals("every epoch needs the held-out fine_knn1_accuracy; epoch 1 has [knn1_accuracy]",
        assertThrows(IllegalArgumentException.class, () -> ErrorCurve.of(epochs, "fine_knn1_accuracy")).getMessage());
  }

  @Test
  void eachLossIsScoredByItsOwnClassifierAndUnreachedTargetsSaySo() {
    ExperimentPlan plan = ExperimentPlan.of(Experiment.CLASSIFICATION, setup(0.15));
    List<RunResult> results = List.of(
        result(plan.runs().get(0), history("knn1_accuracy", 0.80, 0.86),
            Map.of("cluster_accuracy", 0.9, "knn1_accuracy", 0.86, "recall_at_1", 0.85)),
        result(plan.runs().get(1), history("knn1_accuracy", 0.80, 0.83),
            Map.of("cluster_accuracy", 0.5, "argmax_accuracy", 0.875, "knn1_accuracy", 0.83)));
    ExperimentTable table = ExperimentTable.of(plan, results);
    assertEquals(List.of("run", "classifier", "test error", "1-NN error", "R@1", "R@2", "R@4", "R@8", "MAP@R", "NMI",
        "train s", "iterations to 1-NN error ≤ 0.15"), table.header());
    assertEquals(List.of("magnet", "cluster rule", "0.1000", "0.1400", "0.8500", "—", "—", "—", "—", "—", "12", "500"),
        table.rows().get(0));
    assertEquals(List.of("softmax", "argmax", "0.1250", "0.1700", "—", "—", "—", "—", "—", "—", "12",
        ExperimentTable.NOT_REACHED), table.rows().get(1));
    assertNull(table.values(results.get(1)).get("iterations_to_target"));
    assertEquals(500L, table.values(results.get(0)).get("iterations_to_target"));
    String md = table.markdown();
    assertTrue(md.startsWith("| run | classifier | test error |"), md);
    assertTrue(md.contains("\n|---|---|"), md);
  }

  /**
   * Three seeds per loss with hand-picked errors; the intervals below were computed by hand with
   * t(0.975, 2) = 4.3027: differences of −0.05, −0.04, −0.06 have s = 0.01 and a half-width of
   * 4.3027 · 0.01 / √3 = 0.0248.
   */
  @Test
  void seedsGiveMeanAndIntervalPairedDifferencesAndAVerdictPerClaim() {
    ExperimentPlan plan = ExperimentPlan.of(Experiment.CLASSIFICATION, setup(0.15, 3));
    double[] magnetCluster = {0.90, 0.91, 0.92};
    double[] magnetKnn = {0.86, 0.87, 0.88};
    double[] softmaxArgmax = {0.85, 0.87, 0.86};
    double[] softmaxKnn = {0.80, 0.80, 0.83};
    double[] tripletKnn = {0.88, 0.88, 0.87};
    List<RunResult> results = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long seed = 42 + i;
      results.add(result(plan.runs().get(0).withSeed(seed), history("knn1_accuracy", magnetKnn[i]),
          Map.of("cluster_accuracy", magnetCluster[i], "knn1_accuracy", magnetKnn[i])));
      results.add(result(plan.runs().get(1).withSeed(seed), history("knn1_accuracy", softmaxKnn[i]),
          Map.of("argmax_accuracy", softmaxArgmax[i], "knn1_accuracy", softmaxKnn[i])));
      results.add(result(plan.runs().get(2).withSeed(seed), history("knn1_accuracy", tripletKnn[i]),
          Map.of("knn1_accuracy", tripletKnn[i])));
    }
    ExperimentTable table = ExperimentTable.of(plan, results);
    assertEquals(3, table.rows().size(), "one row per configuration");
    assertEquals("0.0900 ± 0.0248", table.rows().get(0).get(2), "errors 0.10, 0.09, 0.08");
    assertEquals("0.1300 ± 0.0248", table.rows().get(0).get(3), "1-NN errors 0.14, 0.13, 0.12");
    assertEquals("250 ± 0", table.rows().get(0).get(table.header().size() - 1), "every seed reaches 0.15 at 250");
    assertEquals(ExperimentTable.NOT_REACHED, table.rows().get(1).get(table.header().size() - 1));

    Comparisons.Difference vsSoftmax = table.differences().get(0);
    assertEquals("softmax", vsSoftmax.baseline().name());
    Interval d = vsSoftmax.values().get("test_error");
    assertEquals(List.of(-0.05, -0.04, -0.06), d.values().stream().map(v -> Math.round(v * 100) / 100.0).toList());
    assertEquals(-0.05, d.mean(), 1e-12);
    assertEquals(0.0248, d.halfWidth(), 5e-5);

    List<Claim> claims = table.claims();
    assertEquals(List.of(Verdict.HOLDS, Verdict.INCONCLUSIVE, Verdict.HOLDS, Verdict.REFUTED),
        claims.stream().map(Claim::verdict).toList());
    // Magnet 0.10/0.09/0.08 against 0.7 x triplet's 0.12/0.12/0.13: 0.016, 0.006, -0.011, mean 0.0037 ± 0.0339.
    assertEquals(0.7, claims.get(1).weight(), 1e-12);
    assertEquals(0.0037, claims.get(1).difference().mean(), 5e-5);
    assertEquals(0.0339, claims.get(1).difference().halfWidth(), 5e-5);
    // 1-NN: 0.14/0.13/0.12 against 0.7 x 0.12/0.12/0.13: 0.056, 0.046, 0.029, whose interval [0.0098, 0.0776] is above 0.
    assertEquals(0.0098, claims.get(3).difference().low(), 5e-5);
    String md = table.markdown();
    assertTrue(md.contains("Paired differences"), md);
    assertTrue(md.contains("| magnet − softmax | 3 | -0.0500 ± 0.0248 |"), md);
    assertTrue(md.contains("**refuted**"), md);
    assertTrue(md.contains("3 seeds (42, 43, 44)"), md);

    String json = ExperimentResults.json(plan, results, java.time.Instant.EPOCH, java.time.Instant.EPOCH, true, null);
    assertTrue(json.contains("\"id\" : \"magnet/seed-43\""), json);
    assertTrue(json.contains("\"verdict\" : \"refuted\""), json);
  }

  @Test
  void oneSeedHasNoIntervalSoEveryClaimIsInconclusive() {
    ExperimentPlan plan = ExperimentPlan.of(Experiment.HIERARCHY, setup(0.3));
    List<RunResult> results = new ArrayList<>();
    for (RunSpec run : plan.runs()) {
      results.add(result(run, history("fine_knn1_accuracy", 0.7), Map.of("fine_knn1_accuracy",
          run.loss() == LossKind.MAGNET ? 0.9 : 0.7, "cluster_accuracy", 0.99)));
    }
    ExperimentTable table = ExperimentTable.of(plan, results);
    assertEquals("0.1000", table.rows().get(0).get(1), "a single value has no ±");
    assertEquals(List.of(Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE),
        table.claims().stream().map(Claim::verdict).toList(), "0.10 against 0.9 x 0.30, but one seed");
    assertTrue(!table.markdown().contains("Paired differences"), "no interval to show");
  }

  @Test
  void hierarchyAndAblationScoreTheFineLabels() {
    ExperimentPlan hierarchy = ExperimentPlan.of(Experiment.HIERARCHY, setup(0.3));
    RunResult magnet = result(hierarchy.runs().get(0), history("fine_knn1_accuracy", 0.6, 0.72),
        Map.of("fine_knn1_accuracy", 0.7, "cluster_accuracy", 0.99));
    ExperimentTable table = ExperimentTable.of(hierarchy, List.of(magnet));
    assertEquals("iterations to fine 1-NN error ≤ 0.3", table.header().get(table.header().size() - 1));
    assertEquals("0.3000", table.rows().get(0).get(1));
    assertEquals("500", table.rows().get(0).get(table.header().size() - 1));
    assertTrue(hierarchy.trainArgs(hierarchy.runs().get(0)).containsAll(List.of("--coarse", "fashion-mnist")));
    assertTrue(hierarchy.evaluateArgs(hierarchy.runs().get(0)).containsAll(List.of("--fine-labels-from", "fashion-mnist")));
  }

  @Test
  void theAblationVariesOneFactorAtATimeAndKeepsK1Feasible() {
    ExperimentPlan plan = ExperimentPlan.of(Experiment.ABLATION, setup(0.15));
    assertEquals(List.of("defaults", "k1", "k4", "k16", "refresh-250", "alpha-1", "alpha-4", "lr-0.001",
        "lr-0.003"), plan.runs().stream().map(RunSpec::name).toList());
    RunSpec k1 = plan.runs().get(1);
    // 4 coarse classes of 1 cluster leave 3 impostors: M = 4, and D = 12 keeps 48 rows a batch.
    MagnetParams shared = MagnetParams.defaults().withEpochs(3);
    assertEquals(shared.withClusters(1, 4, 12), k1.params());
    assertEquals("K=1 (M=4, D=12)", k1.label());
    assertEquals(shared.withClusters(4, 12, 4), plan.runs().get(2).params(),
        "3 classes x 4 clusters give the 11 impostors");
    assertEquals(shared.withRefreshEveryBatches(250), plan.runs().get(4).params());
    assertEquals(shared.withAlpha(1), plan.runs().get(5).params());
    assertEquals(shared, plan.runs().get(7).params(), "the learning rate is the network's");
    assertEquals(1e-3, plan.runs().get(7).network().learningRate());
    assertEquals("0.001", plan.runs().get(7).factors().get("learning rate"));
    assertEquals("0.0003", plan.runs().get(0).factors().get("learning rate"), "Adam's default, stated");
    assertTrue(plan.runs().stream().allMatch(r -> r.loss() == LossKind.MAGNET));
    assertEquals(List.of("train", "--data", "fashion-mnist", "--validation", "fashion-mnist-test", "--coarse",
        "fashion-mnist", "--network", "fmnist-cnn", "--loss", "magnet", "--epochs", "3", "--seed", "42", "-K", "1",
        "-M", "4", "-D", "12", "--output", "out/x/k1/seed-42", "--overwrite"), plan.trainArgs(k1));
    assertTrue(plan.trainArgs(plan.runs().get(7)).containsAll(List.of("--learning-rate", "0.001")),
        plan.trainArgs(plan.runs().get(7)).toString());
  }

  @Test
  void thePretrainedExperimentPreTrainsThenStartsEveryLossFromThatBodyOfTheSameSeed() {
    ExperimentPlan plan = ExperimentPlan.of(Experiment.PRETRAINED, setup(0.3, 2));
    assertEquals(List.of("pretrain", "magnet", "softmax", "triplet", "magnet-pretrained", "softmax-pretrained",
        "triplet-pretrained"), plan.runs().stream().map(RunSpec::name).toList());
    RunSpec pretrain = plan.runs().get(0);
    assertTrue(pretrain.auxiliary());
    assertEquals(LossKind.SOFTMAX, pretrain.loss());
    assertEquals(List.of("train", "--data", "idx:out/x/data/pretrain-train-images.idx,out/x/data/pretrain-train-labels.idx",
        "--validation", "idx:out/x/data/pretrain-test-images.idx,out/x/data/pretrain-test-labels.idx", "--network",
        "fmnist-cnn", "--loss", "softmax", "--epochs", "3", "--seed", "42", "--output", "out/x/pretrain/seed-42",
        "--overwrite"), plan.trainArgs(pretrain));
    assertTrue(plan.evaluateRequest(pretrain).isEmpty(), "the pre-training run is not scored");
    RunSpec magnet43 = plan.seededRuns().get(7 + 4);
    assertEquals("magnet-pretrained/seed-43", ExperimentPlan.runId(magnet43));
    List<String> args = plan.trainArgs(magnet43);
    assertTrue(args.containsAll(List.of("--coarse", "out/x/data/task-coarse.txt", "--pretrained",
        "out/x/pretrain/seed-43", "--loss", "magnet")), args.toString());
    assertFalse(args.contains("--network"), "the architecture is the pre-trained model's: " + args);
    assertTrue(plan.evaluateArgs(magnet43).containsAll(List.of("--fine-labels-from", "out/x/data/task-coarse.txt")));
    assertFalse(plan.trainArgs(plan.runs().get(1)).contains("--pretrained"), "the fresh runs");

    List<RunResult> results = new ArrayList<>();
    for (RunSpec run : plan.seededRuns()) {
      if (!run.auxiliary()) {
        results.add(result(run, history("fine_knn1_accuracy", 0.7), Map.of("fine_knn1_accuracy", 0.7)));
      }
    }
    ExperimentTable table = ExperimentTable.of(plan, results);
    assertEquals(6, table.rows().size(), "no row for the pre-training run");
    assertEquals(List.of("magnet-pretrained − magnet", "softmax-pretrained − softmax", "triplet-pretrained − triplet",
        "magnet-pretrained − softmax-pretrained", "magnet-pretrained − triplet-pretrained", "magnet − softmax",
        "magnet − triplet"), table.differences().stream().map(d -> d.run().name() + " − " + d.baseline().name())
        .toList());
    assertEquals(2, table.claims().size());
  }

  @Test
  void setupGuardsStateTheRuleAndTheValue() {
    assertEquals("--target-error must be in (0, 1); target-error=1.5",
        assertThrows(IllegalArgumentException.class, () -> setup(1.5)).getMessage());
    assertEquals("the ablation needs at least 2 coarse classes; classes=1",
        assertThrows(IllegalArgumentException.class, () -> ExperimentPlan.ablation(new TunedConfig(null, MagnetParams.defaults(), NetworkChoice.defaults()), 1,
                Ablation.defaults())).getMessage());
    assertEquals("a run name must be lower-case letters, digits, '.' and '-'; name=K 1",
        assertThrows(IllegalArgumentException.class,
            () -> new RunSpec("K 1", "K=1", MagnetParams.defaults(), NetworkChoice.defaults(), Map.of())).getMessage());
    assertEquals("--seeds must be in [1, 100]; seeds=0",
        assertThrows(IllegalArgumentException.class, () -> setup(0.15, 0)).getMessage());
    assertEquals("--ablation-alpha values must be finite and >= 0; ablation-alpha=[-1.0]",
        assertThrows(IllegalArgumentException.class, () -> new Ablation(List.of(1), List.of(250), List.of(-1.0),
            List.of())).getMessage());
  }

  @Test
  void commandLinesAreQuotedForAShell() {
    assertEquals("./spark-submit train --data idx:a/b.idx,c.idx --train-args '--workers 2' 'it'\\''s'",
        Arguments.shell(List.of("train", "--data", "idx:a/b.idx,c.idx", "--train-args", "--workers 2",
            "it's")));
  }
}
