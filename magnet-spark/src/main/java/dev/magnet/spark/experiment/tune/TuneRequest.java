package dev.magnet.spark.experiment.tune;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.experiment.Experiment;
import dev.magnet.spark.ml.MagnetEvaluator;
import dev.magnet.spark.train.TrainRequest;
import java.util.List;
import java.util.Objects;

/**
 * What {@code experiment tune} is asked to search, as typed values.
 *
 * @param loss the loss whose hyper-parameters are searched
 * @param task the experiment whose table the configuration is for: {@link Experiment#CLASSIFICATION}
 *     (fine labels) or {@link Experiment#HIERARCHY} (trained on the coarse labels, scored on the fine ones)
 * @param template the train request of the first trial: the training data and the more train
 *     options given ({@code --train-args}); its held-out data is never set
 * @param coarse the fine-to-coarse map of the hierarchy task
 * @param network the network of every trial
 * @param epochs epochs of every trial
 * @param limit examples read of the training data, or null for all
 * @param seed seed of the split, of the draw of trials and of every trial's training
 * @param trials configurations tried, the first being the template's
 * @param folds 1 for one stratified held-out split, 2 or more for stratified cross-validation
 * @param validationFraction the share of each class held out with one fold
 * @param parallelism trials cross-validation fits at once (Spark ML's {@code parallelism})
 * @param metric the {@link MagnetEvaluator} metric the trials are ranked by, on the fine labels
 * @param seeds with 2 or more, the chosen and the first configuration are trained again with
 *     this many other seeds on the held-out split and compared, paired
 * @param output where the chosen configuration ({@code <output>/<loss>.args}) and the search's
 *     record ({@code <output>/<loss>/}) go
 * @param overwrite replace an earlier search of the same loss in {@code output}
 * @param resume take over the trials an interrupted search of the same request recorded
 * @param trainArgs the more train options as given, recorded
 */
public record TuneRequest(LossKind loss, Experiment task, TrainRequest template, String coarse, Architecture network,
    int epochs, Integer limit, long seed, int trials, int folds, double validationFraction, int parallelism,
    String metric, int seeds, String output, boolean overwrite, boolean resume, List<String> trainArgs) {
  /** Enough trials for a fine grid of one loss: a typo guard. */
  public static final int MAX_TRIALS = 10_000;
  /** The default ranking metric: leave-one-out 1-NN accuracy on the fine labels, what the tables report as 1-NN error. */
  public static final String DEFAULT_METRIC = "knnAccuracy";

  public TuneRequest {
    Objects.requireNonNull(loss, "loss");
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(output, "output");
    trainArgs = List.copyOf(trainArgs);
  }

  /**
   * The rules that need no data: tuning reads the training data only (a test split is refused,
   * and no held-out data can be named), and every number is in range.
   */
  public TuneRequest check() {
    if (task != Experiment.CLASSIFICATION && task != Experiment.HIERARCHY) {
      throw new IllegalArgumentException("--task must be classification or hierarchy; task=" + task.spelling());
    }
    if (template.data().kind() == DataSource.Kind.FASHION_MNIST_TEST) {
      throw new IllegalArgumentException("tuning reads training data only, and carves its validation split from it;"
          + " --data " + template.data() + " is a test set");
    }
    if (template.validation() != null) {
      throw new IllegalArgumentException("tuning holds out part of --data itself; it reads no other held-out data;"
          + " validation=" + template.validation());
    }
    DataSource.rowLimit(limit, template.data());
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1; epochs=" + epochs);
    }
    if (trials < 1 || trials > MAX_TRIALS) {
      throw new IllegalArgumentException("--trials must be in [1, " + MAX_TRIALS + "]; trials=" + trials);
    }
    if (folds < 1) {
      throw new IllegalArgumentException("--folds must be at least 1; folds=" + folds);
    }
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("--validation-fraction must be in (0, 1); validation-fraction="
          + validationFraction);
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException("--parallelism must be at least 1; parallelism=" + parallelism);
    }
    if (!MagnetEvaluator.METRICS.contains(metric)) {
      throw new IllegalArgumentException("--metric must be one of " + MagnetEvaluator.METRICS + "; metric=" + metric);
    }
    if (seeds < 0 || seeds == 1) {
      throw new IllegalArgumentException("--seeds must be 0 (no comparison) or at least 2 (an interval needs two);"
          + " seeds=" + seeds);
    }
    return this;
  }

  /**
   * What decides a trial's score besides its configuration: the data, task, split, epochs, seed,
   * metric, network and train options. A resumed search takes over only the trials recorded
   * under the same key.
   */
  public String searchKey() {
    return String.join(" ", EnumSpelling.of(loss), task.spelling(), String.valueOf(template.data()),
        task.coarse() ? coarse : "-", String.valueOf(limit), EnumSpelling.of(network), "epochs=" + epochs,
        "seed=" + seed, "folds=" + folds, "fraction=" + validationFraction, metric, String.join(" ", trainArgs));
  }

  /** The directory of this loss's search record. */
  public String searchDir() {
    return output + "/" + EnumSpelling.of(loss);
  }

  /** The chosen configuration's file: train options, one a line. */
  public String configFile() {
    return output + "/" + EnumSpelling.of(loss) + ".args";
  }
}
