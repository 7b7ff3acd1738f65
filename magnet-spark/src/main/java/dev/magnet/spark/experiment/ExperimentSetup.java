package dev.magnet.spark.experiment;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.train.TrainRequest;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.stream.LongStream;

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
 * @param seed the first seed
 * @param seeds how many seeds every configuration is trained with: {@code seed}, {@code seed + 1}, ...
 * @param targetError the held-out fine 1-NN error whose iterations the table reports
 * @param ablation the values the ablation tries
 * @param coarseClasses classes of the coarse map (the ablation keeps K=1 feasible with them)
 * @param tuned each loss's tuned configuration, by loss; a loss without one takes the template's
 * @param pretrainClasses the fine classes of the pretrained experiment's pre-training task
 * @param trainArgs the more train options as given, recorded in results.json
 * @param output the experiment's directory
 */
public record ExperimentSetup(TrainRequest template, String coarse, Architecture network, int epochs,
    OptionalInt limit, long seed, int seeds, double targetError, Ablation ablation, int coarseClasses,
    Map<LossKind, TunedConfig> tuned, List<Integer> pretrainClasses, List<String> trainArgs, String output) {
  /** More seeds than anyone runs on one machine: a typo guard. */
  public static final int MAX_SEEDS = 100;

  public ExperimentSetup {
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(template.validation(), "template.validation");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(ablation, "ablation");
    Objects.requireNonNull(output, "output");
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1; epochs=" + epochs);
    }
    if (limit.isPresent() && limit.getAsInt() < 1) {
      throw new IllegalArgumentException("--limit must be positive; limit=" + limit.getAsInt());
    }
    if (seeds < 1 || seeds > MAX_SEEDS) {
      throw new IllegalArgumentException("--seeds must be in [1, " + MAX_SEEDS + "]; seeds=" + seeds);
    }
    if (!(targetError > 0 && targetError < 1)) {
      throw new IllegalArgumentException("--target-error must be in (0, 1); target-error=" + targetError);
    }
    tuned = tuned.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(tuned));
    pretrainClasses = List.copyOf(pretrainClasses);
    trainArgs = List.copyOf(trainArgs);
  }

  /** The pretrained experiment's data files, under {@code <output>/data}. */
  public PretrainingData pretrainingData() {
    return new PretrainingData(output + "/data", pretrainClasses);
  }

  /** The training data of every run. */
  public DataSource data() {
    return template.data();
  }

  /** The held-out data: measured after every epoch, and the test set of every evaluation. */
  public DataSource validation() {
    return template.validation();
  }

  /** The seeds in order: {@code seed}, {@code seed + 1}, ... */
  public List<Long> seedList() {
    return LongStream.range(0, seeds).map(i -> seed + i).boxed().toList();
  }

  /**
   * The configuration {@code loss} trains with, at this experiment's epochs and first seed: the
   * tuned one, else the template's parameters with the loss.
   */
  public TunedConfig base(LossKind loss) {
    TunedConfig own = tuned.get(loss);
    if (own == null) {
      own = new TunedConfig(null, template.params().withLoss(loss), template.network());
    }
    return new TunedConfig(own.source(), own.params().withEpochs(epochs).withSeed(seed),
        own.network().withArchitecture(network));
  }
}
