package dev.magnet.spark.cli;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.experiment.Experiment;
import dev.magnet.spark.experiment.ExperimentRequest;
import dev.magnet.spark.experiment.ExperimentRunner;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code magnet experiment <name>}: the options of an {@link ExperimentRequest}, run by
 * {@link ExperimentRunner}: Magnet and the baselines (or Magnet's ablation) trained with the same
 * network, data, epochs and seed, every model evaluated, one table. {@code --train-args} are parsed
 * as train's own options, so a bad one is refused, naming it, before the first training.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
    description = {"Train Magnet, softmax and triplet (or Magnet's ablation) with the same network, data, epochs and"
        + " seed, evaluate them and write one table.",
        "classification: fine labels. hierarchy: trained on the coarse labels, scored on the fine ones."
            + " iterations: held-out 1-NN error against iterations, Magnet and triplet, with a plot."
            + " ablation: Magnet on the coarse task, K, refresh interval and alpha one at a time. all: the four."})
public final class ExperimentCommand implements Callable<Integer> {
  /** Where {@code --output} defaults to, followed by the experiment's name. */
  static final String OUTPUT_ROOT = "out/experiments";
  /** Five refreshes per epoch of the full Fashion-MNIST training set (1,250 batches). */
  static final String DEFAULT_ABLATION_REFRESH = "250";
  /** Train options every run gets from the experiment itself: --train-args may not set them. */
  static final List<String> SET_BY_EXPERIMENT = List.of(TrainArgs.DATA, TrainArgs.VALIDATION, TrainArgs.COARSE,
      TrainArgs.LOSS, TrainArgs.NETWORK, TrainArgs.EPOCHS, TrainArgs.SEED, TrainArgs.LIMIT, TrainArgs.OUTPUT,
      TrainArgs.OVERWRITE, TrainArgs.METRICS, TrainArgs.PUBLISH_TO, TrainArgs.RUN_ID, TrainArgs.NO_WORSE_THAN,
      TrainArgs.COMPARE_METRIC, TrainArgs.MIN_METRIC, TrainArgs.INIT_FROM, TrainArgs.CHECKPOINT_DIR, TrainArgs.RESUME);
  /** What the ablation varies (and adjusts, for K=1): --train-args may not set them there. */
  static final List<String> SET_BY_ABLATION = List.of(TrainArgs.K, TrainArgs.M, TrainArgs.D, TrainArgs.ALPHA,
      TrainArgs.REFRESH_EVERY);

  /** The experiments the command line names. */
  enum Selection {
    CLASSIFICATION, HIERARCHY, ITERATIONS, ABLATION, ALL;

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

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "EXPERIMENT", converter = SelectionOption.class,
      completionCandidates = SelectionOption.class, description = "One of: ${COMPLETION-CANDIDATES}.")
  Selection selection;

  @Option(names = "--data", converter = Converters.Data.class, paramLabel = "SOURCE", defaultValue = "fashion-mnist",
      description = "Training data of every run, in the forms of 'train --data' (default: ${DEFAULT-VALUE}).")
  DataSource data;

  @Option(names = "--validation", converter = Converters.Data.class, paramLabel = "SOURCE",
      defaultValue = "fashion-mnist-test",
      description = "Held-out data: measured after every epoch and the test set of every evaluation; not synthetic"
          + " (default: ${DEFAULT-VALUE}).")
  DataSource validation;

  @Option(names = "--coarse", paramLabel = "fashion-mnist|MAPFILE", defaultValue = "fashion-mnist",
      description = "The fine->coarse map of hierarchy and ablation (default: ${DEFAULT-VALUE}: tops, trouser,"
          + " footwear, bag).")
  String coarse;

  @Option(names = "--network", converter = EnumOption.Network.class, completionCandidates = EnumOption.Network.class,
      paramLabel = "NETWORK", defaultValue = "fmnist-cnn", description = "One of: ${COMPLETION-CANDIDATES}"
          + " (default: ${DEFAULT-VALUE}).")
  Architecture network;

  @Option(names = "--epochs", paramLabel = "N",
      description = "Epochs of every run (default: " + Experiment.DEFAULT_EPOCHS + "; iterations: "
          + Experiment.ITERATIONS_EPOCHS + ").")
  Integer epochs;

  @Option(names = "--limit", paramLabel = "N", description = "Read at most N examples of each data set, as train and"
      + " evaluate do (default: all; iterations: " + Experiment.ITERATIONS_LIMIT + ", 250 batches per epoch).")
  Integer limit;

  @Option(names = "--seed", paramLabel = "SEED", description = "Seed of every run (default: ${DEFAULT-VALUE}).")
  long seed = MagnetParams.DEFAULT_SEED;

  @Option(names = "--target-error", paramLabel = "E",
      description = "The held-out fine 1-NN error whose iterations the table reports: the first epoch boundary at"
          + " or below it (default: " + Experiment.FINE_TARGET_ERROR + "; hierarchy and ablation, trained on coarse"
          + " labels: " + Experiment.COARSE_TARGET_ERROR + ").")
  Double targetError;

  @Option(names = "--ablation-refresh", paramLabel = "BATCHES", defaultValue = DEFAULT_ABLATION_REFRESH,
      description = "The ablation's alternative to one index refresh per epoch: train --refresh-every BATCHES"
          + " (default: ${DEFAULT-VALUE}).")
  int ablationRefresh;

  @Option(names = "--train-args", paramLabel = "'OPTIONS'",
      description = "More train options for every run, split at spaces (e.g. '--averaging-frequency 10 --no-report');"
          + " repeatable. Not the ones the experiment sets (data, loss, epochs, seed, output, ...).")
  List<String> trainArgs = new ArrayList<>();

  @Option(names = "--output", paramLabel = "DIR", description = "Where everything goes (default: " + OUTPUT_ROOT
      + "/EXPERIMENT).")
  String output;

  @Option(names = "--overwrite", description = "Write into an existing --output (its runs' models are replaced).")
  boolean overwrite;

  @Option(names = "--resume", description = "Continue an interrupted experiment in its --output: a run that its"
      + " results.json records with the same commands, and whose metrics files are there, is taken over with the"
      + " figures and times recorded, not run again.")
  boolean resume;

  /** --train-args as words. */
  private List<String> trainWords() {
    List<String> words = new ArrayList<>();
    for (String group : trainArgs) {
      Arrays.stream(group.trim().split("\\s+")).filter(w -> !w.isEmpty()).forEach(words::add);
    }
    return words;
  }

  /**
   * The train request every run starts from: --train-args parsed by train's own parser, after the
   * data; an option the experiment sets itself (or, in the ablation, varies) is refused.
   */
  TrainRequest template(List<String> words) {
    TrainCommand train = new TrainCommand();
    // train's own options, but --data is the experiment's: not required here.
    CommandSpec trainSpec = CommandSpec.forAnnotatedObject(train);
    OptionSpec dataOption = trainSpec.findOption(TrainArgs.DATA);
    trainSpec.remove(dataOption);
    trainSpec.addOption(OptionSpec.builder(dataOption).required(false).build());
    CommandLine parser = new CommandLine(trainSpec);
    parser.setOverwrittenOptionsAllowed(true);
    ParseResult parsed;
    try {
      parsed = parser.parseArgs(words.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException("a run's train options are invalid: " + e.getMessage() + "; train-args="
          + String.join(" ", words), e);
    }
    boolean ablation = selection.experiments().contains(Experiment.ABLATION);
    for (String option : SET_BY_EXPERIMENT) {
      if (parsed.hasMatchedOption(option)) {
        throw new IllegalArgumentException("--train-args must not set " + option
            + ": the experiment sets it for every run; train-args=" + String.join(" ", words));
      }
    }
    for (String option : ablation ? SET_BY_ABLATION : List.<String>of()) {
      if (parsed.hasMatchedOption(option)) {
        throw new IllegalArgumentException("--train-args must not set " + option + " in the ablation, which varies"
            + " it; train-args=" + String.join(" ", words));
      }
    }
    train.data = data;
    train.validation = validation;
    return train.request();
  }

  /** The request the options state; {@link IllegalArgumentException} for a bad one. */
  ExperimentRequest request() {
    List<String> words = trainWords();
    return new ExperimentRequest(selection.name().toLowerCase(Locale.ROOT), selection.experiments(), template(words),
        coarse, network, epochs, limit, seed, targetError, ablationRefresh, words,
        output != null ? output : OUTPUT_ROOT + "/" + selection.name().toLowerCase(Locale.ROOT), overwrite, resume)
        .check();
  }

  @Override
  public Integer call() {
    ExperimentRequest request = JobException.argument(this::request);
    try (SparkOptions.Session session = spark.session("magnet experiment")) {
      return new ExperimentRunner(session.spark(), spec.commandLine().getOut(), spec.commandLine().getErr())
          .run(request);
    }
  }
}
