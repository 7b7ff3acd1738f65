package dev.magnet.spark.experiment;

import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.evaluate.EvaluateRequest;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.Arguments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runs of one experiment as typed train and evaluate requests, and the exact command lines
 * that do the same by hand, as a user would type them after {@code ./spark-submit}. Each run's model (with its
 * metrics.json and report) goes to {@code <output>/<run>}, its evaluation to
 * {@code <output>/<run>/}{@value #EVALUATION_FILE}.
 *
 * @param experiment which experiment
 * @param setup what its runs share
 * @param runs in the order they run
 */
public record ExperimentPlan(Experiment experiment, ExperimentSetup setup, List<RunSpec> runs) {
  /** The evaluation's metrics file inside a run's directory. */
  public static final String EVALUATION_FILE = "evaluation.json";
  /** The ablation's K besides the default (the paper's 8). */
  public static final List<Integer> ABLATION_K = List.of(1, 4, 16);
  /** The ablation's α besides the default 1: a quarter and four times the margin. */
  public static final List<Double> ABLATION_ALPHA = List.of(0.25, 4.0);

  public ExperimentPlan {
    runs = List.copyOf(runs);
  }

  /** The experiment's runs with the setup. */
  public static ExperimentPlan of(Experiment experiment, ExperimentSetup setup) {
    MagnetParams shared = setup.template().params().withEpochs(setup.epochs()).withSeed(setup.seed());
    List<RunSpec> runs = switch (experiment) {
      case CLASSIFICATION, HIERARCHY -> List.of(RunSpec.ofLoss(shared, LossKind.MAGNET),
          RunSpec.ofLoss(shared, LossKind.SOFTMAX), RunSpec.ofLoss(shared, LossKind.TRIPLET));
      case ITERATIONS -> List.of(RunSpec.ofLoss(shared, LossKind.MAGNET), RunSpec.ofLoss(shared, LossKind.TRIPLET));
      case ABLATION -> ablation(shared.withLoss(LossKind.MAGNET), setup.coarseClasses(), setup.ablationRefresh());
    };
    return new ExperimentPlan(experiment, setup, runs);
  }

  /**
   * Magnet with the shared parameters, then one factor changed at a time: K ∈ {@link #ABLATION_K},
   * the index refreshed every {@code refreshEvery} batches instead of once per epoch, α ∈
   * {@link #ABLATION_ALPHA}.
   *
   * <p>A seed cluster needs M−1 impostor clusters of other classes, which {@code classes} classes
   * of K clusters have only (classes−1)·K of: 4 coarse classes with K=1 give 3. Such a run takes
   * M = (classes−1)·K + 1 and raises D to keep the batch at M·D rows (K=1, 4 classes: M=4, D=12),
   * and its row says so.
   */
  static List<RunSpec> ablation(MagnetParams shared, int classes, int refreshEvery) {
    if (classes < 2) {
      throw new IllegalArgumentException("the ablation needs at least 2 coarse classes; classes=" + classes);
    }
    int m = shared.clustersPerBatch();
    int d = shared.examplesPerCluster();
    List<RunSpec> runs = new ArrayList<>();
    runs.add(new RunSpec("defaults", "defaults", shared, factors(shared)));
    for (int k : ABLATION_K) {
      int fit = Math.min(m, (classes - 1) * k + 1);
      String label = "K=" + k;
      MagnetParams run = shared.withClusters(k, m, d);
      if (fit < m) {
        run = shared.withClusters(k, fit, (m * d + fit - 1) / fit);
        label += " (M=" + run.clustersPerBatch() + ", D=" + run.examplesPerCluster() + ")";
      }
      runs.add(new RunSpec("k" + k, label, run, factors(run)));
    }
    MagnetParams refreshed = shared.withRefreshEveryBatches(refreshEvery);
    runs.add(new RunSpec("refresh-" + refreshEvery, "refresh every " + refreshEvery + " batches", refreshed,
        factors(refreshed)));
    for (double alpha : ABLATION_ALPHA) {
      String a = Arguments.plain(alpha);
      MagnetParams run = shared.withAlpha(alpha);
      runs.add(new RunSpec("alpha-" + a, "α=" + a, run, factors(run)));
    }
    return runs;
  }

  private static Map<String, String> factors(MagnetParams p) {
    Map<String, String> factors = new LinkedHashMap<>();
    factors.put("K", Integer.toString(p.clustersPerClass()));
    factors.put("M", Integer.toString(p.clustersPerBatch()));
    factors.put("D", Integer.toString(p.examplesPerCluster()));
    factors.put("α", Arguments.plain(p.alpha()));
    factors.put("refresh", p.refreshEveryBatches() == 0 ? "once per epoch"
        : "every " + p.refreshEveryBatches() + " batches");
    return factors;
  }

  /** The run's model directory. */
  public String runDir(RunSpec run) {
    return setup.output() + "/" + run.name();
  }

  /** The run's training metrics (train's default metrics.json). */
  public String metricsPath(RunSpec run) {
    return runDir(run) + "/" + MetricsJson.FILE_NAME;
  }

  /** The run's evaluation metrics. */
  public String evaluationPath(RunSpec run) {
    return runDir(run) + "/" + EVALUATION_FILE;
  }

  /** The run's training: the setup's template with the run's parameters, network, data and output. */
  public TrainRequest trainRequest(RunSpec run) {
    TrainRequest t = setup.template();
    return t.withCoarse(experiment.coarse() ? setup.coarse() : null)
        .withLimit(setup.limit().isPresent() ? setup.limit().getAsInt() : null)
        .withParams(run.params())
        .withNetwork(t.network().withArchitecture(setup.network()))
        .withOutput(runDir(run), true);
  }

  /**
   * The run's evaluation (test set: the held-out data, k-NN against the training data; the fine
   * labels when trained on coarse ones); empty when the experiment does not evaluate.
   */
  public Optional<EvaluateRequest> evaluateRequest(RunSpec run) {
    if (!experiment.evaluated()) {
      return Optional.empty();
    }
    return Optional.of(new EvaluateRequest(runDir(run), setup.validation(), setup.data(),
        experiment.coarse() ? setup.coarse() : null, setup.limit().isPresent() ? setup.limit().getAsInt() : null,
        evaluationPath(run), null, Map.of(), EvaluateRequest.DEFAULT_DRIVER_BUDGET, setup.template().images().labels()));
  }

  /** The arguments of the run's {@code train} command, the command name first. */
  public List<String> trainArgs(RunSpec run) {
    return trainRequest(run).toArgs();
  }

  /** The arguments of the run's {@code evaluate} command; empty when the experiment does not evaluate. */
  public List<String> evaluateArgs(RunSpec run) {
    return evaluateRequest(run).map(EvaluateRequest::toArgs).orElse(List.of());
  }
}
