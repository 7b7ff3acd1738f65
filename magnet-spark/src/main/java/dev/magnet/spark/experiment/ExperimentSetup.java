package dev.magnet.spark.experiment;

import dev.magnet.core.nn.Architecture;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.train.TrainRequest;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What every run of one experiment shares.
 *
 * @param template the train request every run starts from: the training and held-out data, and
 *     whatever more train options the experiment was given ({@code --train-args}); each run sets
 *     its loss, hyper-parameters, network, epochs, seed, limit and output on it
 * @param coarse the fine-to-coarse map of the experiments on coarse labels
 * @param network the network of every run
 * @param epochs epochs of every run
 * @param limit examples read of each data set; empty for all
 * @param seed seed of every run
 * @param targetError the held-out fine 1-NN error whose iterations the table reports
 * @param ablationRefresh the ablation's alternative to one index refresh per epoch: every this many batches
 * @param coarseClasses classes of the coarse map (the ablation keeps K=1 feasible with them)
 * @param trainArgs the more train options as given, recorded in results.json
 * @param output the experiment's directory
 */
public record ExperimentSetup(TrainRequest template, String coarse, Architecture network, int epochs,
    OptionalInt limit, long seed, double targetError, int ablationRefresh, int coarseClasses, List<String> trainArgs,
    String output) {
  public ExperimentSetup {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(template.validation(), "template.validation");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(output, "output");
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1; epochs=" + epochs);
    }
    if (limit.isPresent() && limit.getAsInt() < 1) {
      throw new IllegalArgumentException("--limit must be positive; limit=" + limit.getAsInt());
    }
    if (!(targetError > 0 && targetError < 1)) {
      throw new IllegalArgumentException("--target-error must be in (0, 1); target-error=" + targetError);
    }
    if (ablationRefresh < 1) {
      throw new IllegalArgumentException("--ablation-refresh must be at least 1 batch; ablation-refresh="
          + ablationRefresh);
    }
    trainArgs = List.copyOf(trainArgs);
  }

  /** The training data of every run. */
  public DataSource data() {
    return template.data();
  }

  /** The held-out data: measured after every epoch, and the test set of every evaluation. */
  public DataSource validation() {
    return template.validation();
  }
}
