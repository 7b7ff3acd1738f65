package dev.magnet.spark.experiment;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What every run of one experiment shares, as the train command spells it.
 *
 * @param data training data ({@code train --data})
 * @param validation held-out data: validated after every epoch, and the test set of {@code evaluate}
 * @param coarse the fine→coarse map ({@code train --coarse}); used by the experiments on coarse labels
 * @param network the network ({@code train --network})
 * @param epochs epochs of every run
 * @param limit examples read of each data set; empty for all
 * @param seed seed of every run
 * @param targetError the held-out fine 1-NN error whose iterations the table reports
 * @param ablationRefresh the ablation's alternative to one index refresh per epoch: every this many batches
 * @param coarseClasses classes of the coarse map (the ablation keeps K=1 feasible with them)
 * @param trainArgs more train options given to every run
 * @param output the experiment's directory
 */
public record ExperimentSetup(String data, String validation, String coarse, String network, int epochs,
    OptionalInt limit, long seed, double targetError, int ablationRefresh, int coarseClasses, List<String> trainArgs,
    String output) {
  public ExperimentSetup {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(validation, "validation");
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
}
