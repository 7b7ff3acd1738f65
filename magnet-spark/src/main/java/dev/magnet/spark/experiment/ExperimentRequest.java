package dev.magnet.spark.experiment;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.train.TrainRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What {@code experiment} is asked to run, as typed values.
 *
 * @param name the experiment's name as given ({@code classification}, ..., or {@code all})
 * @param experiments the experiments it names, in order
 * @param template the train request every run starts from (see {@link ExperimentSetup#template()})
 * @param coarse the fine-to-coarse map of the experiments on coarse labels
 * @param network the network of every run
 * @param epochs epochs of every run, or null for each experiment's default
 * @param limit examples read of each data set, or null for each experiment's default
 * @param seed the first seed of every configuration
 * @param seeds how many seeds every configuration is trained with
 * @param targetError the held-out fine 1-NN error whose iterations the tables report, or null for
 *     each experiment's default
 * @param ablation the values the ablation tries
 * @param tuned the configurations of {@code experiment tune} to train each loss with, by loss
 * @param pretrainClasses the fine classes the pretrained experiment pre-trains on
 * @param trainArgs the more train options as given (already in {@code template})
 * @param output where everything goes; with several experiments each gets a sub-directory
 * @param overwrite write into an existing {@code output}
 * @param resume take over the runs an earlier invocation recorded with the same commands
 */
public record ExperimentRequest(String name, List<Experiment> experiments, TrainRequest template, String coarse,
    Architecture network, Integer epochs, Integer limit, long seed, int seeds, Double targetError, Ablation ablation,
    Map<LossKind, TunedConfig> tuned, List<Integer> pretrainClasses, List<String> trainArgs, String output,
    boolean overwrite, boolean resume) {
  public ExperimentRequest {
    experiments = List.copyOf(experiments);
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(ablation, "ablation");
    tuned = Map.copyOf(tuned);
    pretrainClasses = List.copyOf(pretrainClasses);
    trainArgs = List.copyOf(trainArgs);
  }

  /**
   * The rules that need no data: the held-out data is a test set of its own, the limit applies,
   * and every experiment's setup is valid (its own checks, with two coarse classes standing in).
   */
  public ExperimentRequest check() {
    if (template.validation() == null || template.validation().kind() == DataSource.Kind.SYNTHETIC) {
      throw new IllegalArgumentException("--validation must not be synthetic: evaluate reads it as a test set of its"
          + " own, and cannot hold it out of --data; write the data as IDX files (as the demo does) or use"
          + " fashion-mnist-test; validation=" + template.validation());
    }
    DataSource.rowLimit(limit, template.data(), template.validation());
    for (Experiment experiment : experiments) {
      ExperimentSetup setup = setup(experiment, 2);
      if (experiment == Experiment.PRETRAINED) {
        setup.pretrainingData();
      }
    }
    return this;
  }

  /** The setup of one experiment: the values given, else its defaults. */
  public ExperimentSetup setup(Experiment experiment, int coarseClasses) {
    OptionalInt rows = limit != null ? OptionalInt.of(limit) : experiment.defaultLimit();
    String dir = experiments.size() > 1 ? output + "/" + experiment.spelling() : output;
    return new ExperimentSetup(template, coarse, network, epochs != null ? epochs : experiment.defaultEpochs(), rows,
        seed, seeds, targetError != null ? targetError : experiment.defaultTargetError(), ablation, coarseClasses,
        tuned, pretrainClasses, trainArgs, dir);
  }

  /** Every experiment's plan, the coarse map having {@code coarseClasses} classes. */
  public List<ExperimentPlan> plans(int coarseClasses) {
    List<ExperimentPlan> plans = new ArrayList<>();
    for (Experiment experiment : experiments) {
      plans.add(ExperimentPlan.of(experiment, setup(experiment, coarseClasses)));
    }
    return plans;
  }
}
