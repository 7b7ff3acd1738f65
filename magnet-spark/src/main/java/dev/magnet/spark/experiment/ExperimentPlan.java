package dev.magnet.spark.experiment;

import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.io.MetricsJson;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The runs of one experiment and the exact {@code train} / {@code evaluate} command lines of
 * each, as a user would type them after {@code ./spark-submit}. Each run's model (with its
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
    List<RunSpec> runs = switch (experiment) {
      case CLASSIFICATION, HIERARCHY -> List.of(RunSpec.ofLoss(LossKind.MAGNET), RunSpec.ofLoss(LossKind.SOFTMAX),
          RunSpec.ofLoss(LossKind.TRIPLET));
      case ITERATIONS -> List.of(RunSpec.ofLoss(LossKind.MAGNET), RunSpec.ofLoss(LossKind.TRIPLET));
      case ABLATION -> ablation(setup.coarseClasses(), setup.ablationRefresh());
    };
    return new ExperimentPlan(experiment, setup, runs);
  }

  /**
   * Magnet with the defaults, then one factor changed at a time: K ∈ {@link #ABLATION_K}, the index
   * refreshed every {@code refreshEvery} batches instead of once per epoch, α ∈ {@link #ABLATION_ALPHA}.
   *
   * <p>A seed cluster needs M−1 impostor clusters of other classes, which {@code classes} classes
   * of K clusters have only (classes−1)·K of: 4 coarse classes with K=1 give 3. Such a run takes
   * M = (classes−1)·K + 1 and raises D to keep the batch at M·D rows (K=1, 4 classes: M=4, D=12),
   * and its row says so.
   */
  static List<RunSpec> ablation(int classes, int refreshEvery) {
    if (classes < 2) {
      throw new IllegalArgumentException("the ablation needs at least 2 coarse classes; classes=" + classes);
    }
    int m = MagnetParams.DEFAULT_M;
    int d = MagnetParams.DEFAULT_D;
    List<RunSpec> runs = new ArrayList<>();
    runs.add(new RunSpec("defaults", "defaults", LossKind.MAGNET, List.of(),
        factors(MagnetParams.DEFAULT_K, m, d, MagnetParams.DEFAULT_ALPHA, "epoch")));
    for (int k : ABLATION_K) {
      int fit = Math.min(m, (classes - 1) * k + 1);
      List<String> options = new ArrayList<>(List.of("-K", Integer.toString(k)));
      String label = "K=" + k;
      int runM = m;
      int runD = d;
      if (fit < m) {
        runM = fit;
        runD = (m * d + fit - 1) / fit;
        options.addAll(List.of("-M", Integer.toString(runM), "-D", Integer.toString(runD)));
        label += " (M=" + runM + ", D=" + runD + ")";
      }
      runs.add(new RunSpec("k" + k, label, LossKind.MAGNET, options,
          factors(k, runM, runD, MagnetParams.DEFAULT_ALPHA, "epoch")));
    }
    runs.add(new RunSpec("refresh-" + refreshEvery, "refresh every " + refreshEvery + " batches", LossKind.MAGNET,
        List.of("--refresh-every", Integer.toString(refreshEvery)),
        factors(MagnetParams.DEFAULT_K, m, d, MagnetParams.DEFAULT_ALPHA, Integer.toString(refreshEvery))));
    for (double alpha : ABLATION_ALPHA) {
      String a = plain(alpha);
      runs.add(new RunSpec("alpha-" + a, "α=" + a, LossKind.MAGNET, List.of("--alpha", a),
          factors(MagnetParams.DEFAULT_K, m, d, alpha, "epoch")));
    }
    return runs;
  }

  private static Map<String, String> factors(int k, int m, int d, double alpha, String refresh) {
    Map<String, String> factors = new LinkedHashMap<>();
    factors.put("K", Integer.toString(k));
    factors.put("M", Integer.toString(m));
    factors.put("D", Integer.toString(d));
    factors.put("α", plain(alpha));
    factors.put("refresh", refresh.equals("epoch") ? "once per epoch" : "every " + refresh + " batches");
    return factors;
  }

  /** 0.25 as "0.25", 4.0 as "4": how a user types it. */
  static String plain(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /** The run's model directory. */
  public String runDir(RunSpec run) {
    return setup.output() + "/" + run.name();
  }

  /** The run's training metrics (train's default {@code --metrics}). */
  public String metricsPath(RunSpec run) {
    return runDir(run) + "/" + MetricsJson.FILE_NAME;
  }

  /** The run's evaluation metrics. */
  public String evaluationPath(RunSpec run) {
    return runDir(run) + "/" + EVALUATION_FILE;
  }

  /** The arguments of the run's {@code train} command, the command name first. */
  public List<String> trainArgs(RunSpec run) {
    List<String> args = new ArrayList<>(List.of("train", "--data", setup.data(), "--validation", setup.validation()));
    if (experiment.coarse()) {
      args.addAll(List.of("--coarse", setup.coarse()));
    }
    args.addAll(List.of("--network", setup.network(), "--loss", run.loss().name().toLowerCase(Locale.ROOT),
        "--epochs", Integer.toString(setup.epochs()), "--seed", Long.toString(setup.seed())));
    setup.limit().ifPresent(n -> args.addAll(List.of("--limit", Integer.toString(n))));
    args.addAll(run.options());
    args.addAll(setup.trainArgs());
    args.addAll(List.of("--output", runDir(run), "--overwrite"));
    return args;
  }

  /**
   * The arguments of the run's {@code evaluate} command (test set {@code validation}, k-NN against
   * {@code data}; the fine labels when trained on coarse ones); empty when the experiment does not
   * evaluate.
   */
  public List<String> evaluateArgs(RunSpec run) {
    if (!experiment.evaluated()) {
      return List.of();
    }
    List<String> args = new ArrayList<>(List.of("evaluate", "--model", runDir(run), "--data", setup.validation(),
        "--train-data", setup.data()));
    if (experiment.coarse()) {
      args.addAll(List.of("--fine-labels-from", setup.coarse()));
    }
    setup.limit().ifPresent(n -> args.addAll(List.of("--limit", Integer.toString(n))));
    args.addAll(List.of("--json", evaluationPath(run)));
    return args;
  }
}
