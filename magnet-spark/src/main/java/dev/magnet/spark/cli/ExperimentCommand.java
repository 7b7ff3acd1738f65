package dev.magnet.spark.cli;

import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.experiment.Ablation;
import dev.magnet.spark.experiment.Experiment;
import dev.magnet.spark.experiment.ExperimentRequest;
import dev.magnet.spark.experiment.ExperimentRunner;
import dev.magnet.spark.experiment.PretrainingData;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.util.JobException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code magnet experiment <name>}: the options of an {@link ExperimentRequest}, run by
 * {@link ExperimentRunner}: Magnet and the baselines (or Magnet's ablation) trained with the same
 * network, data, epochs and seeds, every model evaluated, one table with intervals over the seeds
 * and the claims' verdicts. {@code experiment tune} ({@link TuneCommand}) searches one loss's
 * hyper-parameters; {@code --tuned FILE} trains a loss with what it chose.
 */
@Command(name = "experiment", subcommands = TuneCommand.class,
    description = {"Train Magnet, softmax and triplet (or Magnet's ablation) with the same network, data, epochs and"
        + " seeds, evaluate them and write one table: mean ± 95%% interval over the seeds, paired differences and the"
        + " paper's claims with a verdict each.",
        "classification: fine labels. hierarchy: trained on the coarse labels, scored on the fine ones."
            + " iterations: held-out 1-NN error against iterations, Magnet and triplet, with a plot."
            + " ablation: Magnet on the coarse task, K, refresh interval, alpha and learning rate one at a time."
            + " pretrained: softmax pre-trained on some classes, then every loss on the coarse labels of the others,"
            + " from that network and from fresh weights. all: the five."
            + " 'experiment tune --help': search one loss's hyper-parameters."})
public final class ExperimentCommand extends SparkCommand {
  /** What the ablation varies (and adjusts, for K=1): --train-args may not set them there. */
  static final List<String> SET_BY_ABLATION = List.of(TrainArgs.K, TrainArgs.M, TrainArgs.D, TrainArgs.ALPHA,
      TrainArgs.REFRESH_EVERY, TrainArgs.REFRESHES_PER_EPOCH, TrainArgs.LEARNING_RATE);

  /** The experiments the command line names. */
  enum Selection {
    CLASSIFICATION, HIERARCHY, ITERATIONS, ABLATION, PRETRAINED, ALL;

    List<Experiment> experiments() {
      return this == ALL ? List.of(Experiment.values()) : List.of(Experiment.valueOf(name()));
    }
  }

  /** The experiment's spelling. */
  static final class SelectionOption extends EnumOption<Selection> {
    SelectionOption() {
      super(Selection.class);
    }
  }

  @Parameters(index = "0", arity = "0..1", paramLabel = "EXPERIMENT", converter = SelectionOption.class,
      completionCandidates = SelectionOption.class, description = "One of: ${COMPLETION-CANDIDATES}.")
  Selection selection;

  @Mixin
  ExperimentOptions common;

  @Option(names = "--validation", converter = Converters.Data.class, paramLabel = "SOURCE",
      defaultValue = "fashion-mnist-test",
      description = "Held-out data: measured after every epoch and the test set of every evaluation; not synthetic"
          + " (default: ${DEFAULT-VALUE}).")
  DataSource validation;

  @Option(names = "--seeds", paramLabel = "N", defaultValue = "1", description = "Train every configuration with N"
      + " seeds (--seed, --seed + 1, ...): the weights, the sampling and the data order; the tables give mean ± 95%%"
      + " interval and paired differences, the claims a verdict (default: ${DEFAULT-VALUE}; 5 or more to publish).")
  int seeds;

  @Option(names = "--tuned", paramLabel = "FILE", description = "A configuration written by 'experiment tune' (train"
      + " options naming their --loss): that loss trains with it; repeatable, one per loss.")
  List<String> tuned = new ArrayList<>();

  @Option(names = "--target-error", paramLabel = "E",
      description = "The held-out fine 1-NN error whose iterations the table reports: the first epoch boundary at"
          + " or below it (default: " + Experiment.FINE_TARGET_ERROR + "; hierarchy and ablation, trained on coarse"
          + " labels: " + Experiment.COARSE_TARGET_ERROR + ").")
  Double targetError;

  @Option(names = "--ablation-k", paramLabel = "K[,K...]", split = ",", description = "The ablation's K besides"
      + " Magnet's own (default: 1,4,16).")
  List<Integer> ablationK = new ArrayList<>(Ablation.DEFAULT_K);

  @Option(names = "--ablation-refresh", paramLabel = "BATCHES[,...]", split = ",",
      description = "The ablation's alternatives to one index refresh per epoch: train --refresh-every BATCHES"
          + " (default: 250).")
  List<Integer> ablationRefresh = new ArrayList<>(Ablation.DEFAULT_REFRESH);

  @Option(names = "--ablation-alpha", paramLabel = "A[,A...]", split = ",", description = "The ablation's margins"
      + " besides Magnet's own (default: 1,4).")
  List<Double> ablationAlpha = new ArrayList<>(Ablation.DEFAULT_ALPHA);

  @Option(names = "--ablation-learning-rate", paramLabel = "RATE[,...]", split = ",", description = "The ablation's"
      + " learning rates besides Magnet's own (default: 0.001,0.003).")
  List<Double> ablationLearningRate = new ArrayList<>(Ablation.DEFAULT_LEARNING_RATE);

  @Option(names = "--pretrain-classes", paramLabel = "C[,C...]", split = ",", description = "The pretrained"
      + " experiment's pre-training classes (fine labels); the task is the other classes' coarse labels (default:"
      + " 1,3,6,9: Fashion-MNIST's trouser, dress, shirt, ankle boot).")
  List<Integer> pretrainClasses = new ArrayList<>(PretrainingData.DEFAULT_PRETRAIN_CLASSES);

  @Option(names = "--resume", description = "Continue an interrupted experiment in its --output: a run (configuration"
      + " and seed) that its results.json records with the same commands, and whose metrics files are there, is"
      + " taken over with the figures and times recorded, not run again.")
  boolean resume;

  /** The request the options state; {@link IllegalArgumentException} for a bad one. */
  ExperimentRequest request() {
    if (selection == null) {
      throw new IllegalArgumentException("name an experiment (classification, hierarchy, iterations, ablation,"
          + " pretrained, all) or 'tune'; see 'experiment --help'");
    }
    boolean ablation = selection.experiments().contains(Experiment.ABLATION);
    String name = selection.name().toLowerCase(Locale.ROOT);
    var template = common.template(validation, ablation ? SET_BY_ABLATION : List.of(),
        " in the ablation, which varies it");
    return new ExperimentRequest(name, selection.experiments(), template, common.coarse, common.network, common.epochs,
        common.limit, common.seed, seeds, targetError, new Ablation(ablationK, ablationRefresh, ablationAlpha,
        ablationLearningRate), TunedFiles.read(tuned, common.trainWords(), common.data), pretrainClasses,
        common.trainWords(),
        common.output(name), common.overwrite, resume).check();
  }

  @Override
  public Integer call() {
    ExperimentRequest request = JobException.argument(this::request);
    try (SparkOptions.Session session = spark.session("magnet experiment")) {
      return new ExperimentRunner(session.spark(), spark.out(), spark.err())
          .run(request);
    }
  }
}
