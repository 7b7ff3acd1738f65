package dev.magnet.spark.experiment;

import dev.magnet.core.nn.NetworkChoice;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.evaluate.EvaluateRequest;
import dev.magnet.spark.io.MetricsJson;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.Arguments;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The runs of one experiment as typed train and evaluate requests, and the exact command lines
 * that do the same by hand, as a user would type them after {@code ./spark-submit}. Every
 * configuration ({@link #runs}) is trained once per seed ({@link #seededRuns}); each such run's
 * model (with its metrics.json and report) goes to {@code <output>/<run>/seed-<seed>}, its
 * evaluation to {@code <output>/<run>/seed-<seed>/}{@value #EVALUATION_FILE}.
 *
 * @param experiment which experiment
 * @param setup what its runs share
 * @param runs its configurations in table order, at the first seed
 */
public record ExperimentPlan(Experiment experiment, ExperimentSetup setup, List<RunSpec> runs) {
  /** The evaluation's metrics file inside a run's directory. */
  public static final String EVALUATION_FILE = "evaluation.json";
  /** The name of the ablation's reference run, whose configuration every other row changes once. */
  public static final String DEFAULTS_RUN = "defaults";
  /** The name of the pretrained experiment's pre-training run. */
  public static final String PRETRAIN_RUN = "pretrain";

  public ExperimentPlan {
    runs = List.copyOf(runs);
  }

  /** The experiment's runs with the setup. */
  public static ExperimentPlan of(Experiment experiment, ExperimentSetup setup) {
    List<RunSpec> runs = switch (experiment) {
      case CLASSIFICATION, HIERARCHY -> List.of(RunSpec.ofLoss(setup.base(LossKind.MAGNET)),
          RunSpec.ofLoss(setup.base(LossKind.SOFTMAX)), RunSpec.ofLoss(setup.base(LossKind.TRIPLET)));
      case ITERATIONS -> List.of(RunSpec.ofLoss(setup.base(LossKind.MAGNET)),
          RunSpec.ofLoss(setup.base(LossKind.TRIPLET)));
      case ABLATION -> ablation(setup.base(LossKind.MAGNET), setup.coarseClasses(), setup.ablation());
      case PRETRAINED -> pretrained(setup);
    };
    return new ExperimentPlan(experiment, setup, runs);
  }

  /**
   * Magnet with the base configuration, then one factor changed at a time: K, the index refreshed
   * every so many batches instead of once per epoch, α, and Adam's learning rate, each over the
   * values of {@code ablation}.
   *
   * <p>A seed cluster needs M−1 impostor clusters of other classes, which {@code classes} classes
   * of K clusters have only (classes−1)·K of: 4 coarse classes with K=1 give 3. Such a run takes
   * M = (classes−1)·K + 1 and raises D to keep the batch at M·D rows (K=1, 4 classes: M=4, D=12),
   * and its row says so.
   */
  static List<RunSpec> ablation(TunedConfig base, int classes, Ablation ablation) {
    if (classes < 2) {
      throw new IllegalArgumentException("the ablation needs at least 2 coarse classes; classes=" + classes);
    }
    MagnetParams shared = base.params();
    NetworkChoice network = base.network();
    int m = shared.clustersPerBatch();
    int d = shared.examplesPerCluster();
    List<RunSpec> runs = new ArrayList<>();
    runs.add(run(DEFAULTS_RUN, base.source() == null ? "defaults" : "tuned", shared, network));
    for (int k : ablation.clustersPerClass()) {
      int fit = Math.min(m, (classes - 1) * k + 1);
      String label = "K=" + k;
      MagnetParams run = shared.withClusters(k, m, d);
      if (fit < m) {
        run = shared.withClusters(k, fit, (m * d + fit - 1) / fit);
        label += " (M=" + run.clustersPerBatch() + ", D=" + run.examplesPerCluster() + ")";
      }
      runs.add(run("k" + k, label, run, network));
    }
    for (int every : ablation.refreshEvery()) {
      runs.add(run("refresh-" + every, "refresh every " + every + " batches", shared.withRefreshEveryBatches(every),
          network));
    }
    for (double alpha : ablation.alpha()) {
      String a = Arguments.plain(alpha);
      runs.add(run("alpha-" + a, "α=" + a, shared.withAlpha(alpha), network));
    }
    for (double rate : ablation.learningRate()) {
      String r = Arguments.plain(rate);
      runs.add(run("lr-" + r.toLowerCase(Locale.ROOT), "learning rate " + r, shared, network.withLearningRate(rate)));
    }
    return runs;
  }

  /**
   * The pre-training run (softmax on the fine labels of the pre-training classes), then Magnet,
   * softmax and triplet on the task's coarse labels from fresh weights and from the pre-trained
   * network body ({@code train --pretrained}), the same seed's.
   */
  static List<RunSpec> pretrained(ExperimentSetup setup) {
    TunedConfig softmax = setup.base(LossKind.SOFTMAX);
    RunSpec pretrain = new RunSpec(PRETRAIN_RUN, "pre-training: softmax on classes " + setup.pretrainClasses(),
        softmax.params(), softmax.network(), Map.of(), null, true);
    List<RunSpec> runs = new ArrayList<>(List.of(pretrain));
    List<RunSpec> fresh = List.of(RunSpec.ofLoss(setup.base(LossKind.MAGNET)), RunSpec.ofLoss(softmax),
        RunSpec.ofLoss(setup.base(LossKind.TRIPLET)));
    runs.addAll(fresh);
    fresh.forEach(run -> runs.add(run.startingFrom(pretrain)));
    return runs;
  }

  private static RunSpec run(String name, String label, MagnetParams params, NetworkChoice network) {
    Map<String, String> factors = new LinkedHashMap<>();
    factors.put("K", Integer.toString(params.clustersPerClass()));
    factors.put("M", Integer.toString(params.clustersPerBatch()));
    factors.put("D", Integer.toString(params.examplesPerCluster()));
    factors.put("α", Arguments.plain(params.alpha()));
    factors.put("refresh", params.refreshesPerEpoch() > 1 ? params.refreshesPerEpoch() + " times per epoch"
        : params.refreshEveryBatches() == 0 ? "once per epoch" : "every " + params.refreshEveryBatches() + " batches");
    factors.put("learning rate", Arguments.plain(network.learningRate() != null ? network.learningRate()
        : NetworkSpec.DEFAULT_LEARNING_RATE));
    return new RunSpec(name, label, params, network, factors);
  }

  /** Every run: each configuration at every seed, the seeds in order (a seed's runs together, so an interrupted experiment holds whole pairs). */
  public List<RunSpec> seededRuns() {
    List<RunSpec> seeded = new ArrayList<>();
    for (long seed : setup.seedList()) {
      runs.forEach(run -> seeded.add(run.withSeed(seed)));
    }
    return seeded;
  }

  /** A seeded run's id, its directory inside the experiment's: {@code <run>/seed-<seed>}. */
  public static String runId(RunSpec run) {
    return run.name() + "/seed-" + run.seed();
  }

  /** The run's model directory. */
  public String runDir(RunSpec run) {
    return setup.output() + "/" + runId(run);
  }

  /** The run's training metrics (train's default metrics.json). */
  public String metricsPath(RunSpec run) {
    return runDir(run) + "/" + MetricsJson.FILE_NAME;
  }

  /** The run's evaluation metrics. */
  public String evaluationPath(RunSpec run) {
    return runDir(run) + "/" + EVALUATION_FILE;
  }

  /**
   * The run's training: the setup's template with the run's parameters, network, data and output;
   * in the pretrained experiment, the pre-training or the task's data files and the pre-trained
   * body of the same seed.
   */
  public TrainRequest trainRequest(RunSpec run) {
    TrainRequest t = setup.template();
    if (experiment == Experiment.PRETRAINED) {
      PretrainingData data = setup.pretrainingData();
      t = t.withData(run.auxiliary() ? data.pretrainTrain() : data.taskTrain(),
          run.auxiliary() ? data.pretrainTest() : data.taskTest())
          .withCoarse(run.auxiliary() ? null : data.taskMap()).withLimit(null)
          .withPretrained(run.startsFrom() == null ? null : setup.output() + "/" + run.startsFrom() + "/seed-"
              + run.seed());
    } else {
      t = t.withCoarse(experiment.coarse() ? setup.coarse() : null)
          .withLimit(setup.limit().isPresent() ? setup.limit().getAsInt() : null);
    }
    return t.withParams(run.params())
        .withNetwork(run.startsFrom() != null ? run.network().withArchitecture(null).withEmbeddingDim(null)
            .withHiddenSizes(null) : run.network().withArchitecture(setup.network()))
        .withOutput(runDir(run), true);
  }

  /**
   * The run's evaluation (test set: the held-out data, k-NN against the training data; the fine
   * labels when trained on coarse ones); empty when the experiment does not evaluate, and for a
   * pre-training run.
   */
  public Optional<EvaluateRequest> evaluateRequest(RunSpec run) {
    if (!experiment.evaluated() || run.auxiliary()) {
      return Optional.empty();
    }
    if (experiment == Experiment.PRETRAINED) {
      PretrainingData data = setup.pretrainingData();
      return Optional.of(new EvaluateRequest(runDir(run), data.taskTest(), data.taskTrain(), data.taskMap(), null,
          evaluationPath(run), null, Map.of(), EvaluateRequest.DEFAULT_DRIVER_BUDGET, null));
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
