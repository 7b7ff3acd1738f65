package dev.magnet.spark.cli;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.experiment.Experiment;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The options {@code experiment} and {@code experiment tune} share: the training data, the coarse
 * map, the network, epochs, limit, seed, more train options, and where the output goes. Train
 * options (given with {@code --train-args} or read from a tuned configuration's file) are parsed by
 * train's own parser, so a bad one is refused, naming it, before the first training.
 */
final class ExperimentOptions {
  /** Where {@code --output} defaults to, followed by the experiment's name. */
  static final String OUTPUT_ROOT = "out/experiments";
  /** Train options every run gets from the experiment itself: --train-args may not set them. */
  static final List<String> SET_BY_EXPERIMENT = List.of(TrainArgs.DATA, TrainArgs.VALIDATION, TrainArgs.COARSE,
      TrainArgs.LOSS, TrainArgs.NETWORK, TrainArgs.EPOCHS, TrainArgs.SEED, TrainArgs.LIMIT, TrainArgs.OUTPUT,
      TrainArgs.OVERWRITE, TrainArgs.METRICS, TrainArgs.PUBLISH_TO, TrainArgs.RUN_ID, TrainArgs.NO_WORSE_THAN,
      TrainArgs.COMPARE_METRIC, TrainArgs.MIN_METRIC, TrainArgs.INIT_FROM, TrainArgs.CHECKPOINT_DIR, TrainArgs.RESUME,
      TrainArgs.RESUME_IF_PRESENT);

  @Option(names = "--data", converter = Converters.Data.class, paramLabel = "SOURCE", defaultValue = "fashion-mnist",
      description = "Training data of every run, in the forms of 'train --data' (default: ${DEFAULT-VALUE}).")
  DataSource data;

  @Option(names = "--coarse", paramLabel = "fashion-mnist|MAPFILE", defaultValue = "fashion-mnist",
      description = "The fine->coarse map of the tasks on coarse labels (default: ${DEFAULT-VALUE}: tops, trouser,"
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

  @Option(names = "--seed", paramLabel = "SEED", description = "The (first) seed (default: ${DEFAULT-VALUE}).")
  long seed = MagnetParams.DEFAULT_SEED;

  @Option(names = "--train-args", paramLabel = "'OPTIONS'",
      description = "More train options for every run, split at spaces (e.g. '--averaging-frequency 10 --no-report');"
          + " repeatable. Not the ones the experiment sets (data, loss, epochs, seed, output, ...).")
  List<String> trainArgs = new ArrayList<>();

  @Option(names = "--output", paramLabel = "DIR", description = "Where everything goes (default: " + OUTPUT_ROOT
      + "/EXPERIMENT).")
  String output;

  @Option(names = "--overwrite", description = "Write into an existing --output (its runs are replaced).")
  boolean overwrite;

  /** --train-args as words. */
  List<String> trainWords() {
    List<String> words = new ArrayList<>();
    for (String group : trainArgs) {
      Arrays.stream(group.trim().split("\\s+")).filter(w -> !w.isEmpty()).forEach(words::add);
    }
    return words;
  }

  /** {@code words} parsed by train's own parser, --data optional; {@link IllegalArgumentException} for a bad option. */
  record Parsed(TrainCommand command, ParseResult result) {
    /** The first of {@code options} the words set, or null. */
    String firstOf(Collection<String> options) {
      return options.stream().filter(result::hasMatchedOption).findFirst().orElse(null);
    }

    /** The request, with the experiment's data. */
    TrainRequest request(DataSource data, DataSource validation) {
      command.data = data;
      command.validation = validation;
      return command.request();
    }
  }

  static Parsed parse(List<String> words, String what, String label) {
    TrainCommand train = new TrainCommand();
    // train's own options, but --data is the experiment's: not required here.
    CommandSpec trainSpec = CommandSpec.forAnnotatedObject(train);
    OptionSpec dataOption = trainSpec.findOption(TrainArgs.DATA);
    trainSpec.remove(dataOption);
    trainSpec.addOption(OptionSpec.builder(dataOption).required(false).build());
    CommandLine parser = new CommandLine(trainSpec);
    parser.setOverwrittenOptionsAllowed(true);
    parser.setExpandAtFiles(false);
    try {
      return new Parsed(train, parser.parseArgs(words.toArray(String[]::new)));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(what + " are invalid: " + e.getMessage() + "; " + label + "="
          + String.join(" ", words), e);
    }
  }

  /**
   * The train request every run starts from: --train-args parsed by train's own parser, after the
   * data; an option the experiment sets itself (or {@code alsoRefused}, with its reason) is refused.
   */
  TrainRequest template(DataSource validation, List<String> alsoRefused, String reason) {
    List<String> words = trainWords();
    Parsed parsed = parse(words, "a run's train options", "train-args");
    String set = parsed.firstOf(SET_BY_EXPERIMENT);
    if (set != null) {
      throw new IllegalArgumentException("--train-args must not set " + set + ": the experiment sets it for every run;"
          + " train-args=" + String.join(" ", words));
    }
    set = parsed.firstOf(alsoRefused);
    if (set != null) {
      throw new IllegalArgumentException("--train-args must not set " + set + reason + "; train-args="
          + String.join(" ", words));
    }
    return parsed.request(data, validation);
  }

  /** --output, else {@link #OUTPUT_ROOT}/{@code name}. */
  String output(String name) {
    return output != null ? output : OUTPUT_ROOT + "/" + name;
  }
}
