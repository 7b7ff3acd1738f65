package dev.magnet.spark.cli;

import dev.magnet.core.params.LossKind;
import dev.magnet.spark.experiment.Experiment;
import dev.magnet.spark.experiment.tune.TuneRequest;
import dev.magnet.spark.experiment.tune.Tuner;
import dev.magnet.spark.util.JobException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code magnet experiment tune}: the options of a {@link TuneRequest}, run by {@link Tuner}. It
 * reads only the training data (--data); the validation split is carved from it.
 */
@Command(name = "tune",
    description = {"Search one loss's hyper-parameters with an equal budget of trials, each trained on part of the"
        + " training data and scored on a seeded, stratified split held out of it (never a test set), with Spark ML"
        + " (MagnetEstimator, MagnetEvaluator; CrossValidator for --folds 2 or more).",
        "Writes the best configuration to OUTPUT/LOSS.args, which 'train @FILE' and 'experiment --tuned FILE' read,"
            + " and the search to OUTPUT/LOSS/tuning.json and tuning.md."})
final class TuneCommand extends SparkCommand {
  /** The tasks a configuration is tuned for. */
  enum Task {
    CLASSIFICATION, HIERARCHY;

    Experiment experiment() {
      return Experiment.valueOf(name());
    }
  }

  /** The task's spelling. */
  static final class TaskOption extends EnumOption<Task> {
    TaskOption() {
      super(Task.class);
    }
  }

  @Mixin
  ExperimentOptions common;

  @Option(names = "--loss", required = true, converter = EnumOption.Loss.class,
      completionCandidates = EnumOption.Loss.class, paramLabel = "LOSS", description = "One of:"
          + " ${COMPLETION-CANDIDATES}.")
  LossKind loss;

  @Option(names = "--task", converter = TaskOption.class, completionCandidates = TaskOption.class, paramLabel = "TASK",
      defaultValue = "hierarchy", description = "The table the configuration is for: ${COMPLETION-CANDIDATES}"
          + " (default: ${DEFAULT-VALUE}: trained on --coarse, ranked by the fine labels).")
  Task task;

  @Option(names = "--trials", paramLabel = "T", defaultValue = "20", description = "Configurations tried, the first"
      + " being the defaults (with --train-args); give every loss the same T (default: ${DEFAULT-VALUE}).")
  int trials;

  @Option(names = "--folds", paramLabel = "F", defaultValue = "1", description = "1: one held-out split;"
      + " 2 or more: stratified cross-validation, each trial trained F times (default: ${DEFAULT-VALUE}).")
  int folds;

  @Option(names = "--validation-fraction", paramLabel = "F", defaultValue = "0.2", description = "The share of each"
      + " class held out with one fold (default: ${DEFAULT-VALUE}).")
  double validationFraction;

  @Option(names = "--metric", paramLabel = "NAME", defaultValue = TuneRequest.DEFAULT_METRIC, description = "What"
      + " ranks the trials, on the held-out examples' fine labels: knnAccuracy (leave-one-out 1-NN), precisionAtOne"
      + " or mapAtR (default: ${DEFAULT-VALUE}).")
  String metric;

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "0", description = "With N >= 2, train the chosen and the"
      + " first configuration again with N other seeds on the same split and compare them, paired (default:"
      + " ${DEFAULT-VALUE}: no comparison).")
  int seeds;

  @Option(names = "--parallelism", paramLabel = "P", defaultValue = "1", description = "Trials cross-validation fits"
      + " at once (Spark ML's parallelism; one machine's cores are better spent on one; default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--resume", description = "Continue an interrupted search in its --output: a trial that its"
      + " trials.jsonl records for the same request (data, task, split, epochs, seed, metric, train options) is taken"
      + " over, not trained again (one held-out split only; cross-validation runs whole).")
  boolean resume;

  /** The request the options state; {@link IllegalArgumentException} for a bad one. */
  TuneRequest request() {
    var template = common.template(null, List.of(), "");
    return new TuneRequest(loss, task.experiment(), template, common.coarse, common.network,
        common.epochs != null ? common.epochs : Experiment.DEFAULT_EPOCHS, common.limit, common.seed, trials, folds,
        validationFraction, parallelism, metric, seeds, common.output("tune-" + task.experiment().spelling()),
        common.overwrite, resume, common.trainWords()).check();
  }

  @Override
  public Integer call() {
    TuneRequest request = JobException.argument(this::request);
    try (SparkOptions.Session session = spark.session("magnet experiment tune")) {
      return new Tuner(session.spark(), spark.out()).run(request);
    }
  }
}
