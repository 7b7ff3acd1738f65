package dev.magnet.core.objective;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.nn.Head;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import java.util.Map;

/**
 * Everything that depends on which loss trains the network, in one object per loss: the head on
 * top of the embedding, how the batches are sampled and sized, how their labels are encoded, and
 * the classifier the loss is scored by. The single-JVM trainer, the Spark trainer, evaluation,
 * warm starts and the experiment tables ask the objective; {@link #of} is the one place that
 * switches on {@link LossKind}.
 *
 * <p>Batches come in three shapes ({@link BatchSampling}): Magnet's neighbourhoods of M clusters
 * x D examples planned from the cluster index, triplet's P classes x K examples, and softmax's
 * shuffled passes over the data. For the first two a {@link GroupPlanner} names the groups
 * (clusters or classes) of each batch, and the trainer draws the group's members.
 */
public sealed interface Objective permits MagnetObjective, SoftmaxObjective, TripletObjective {
  /** The objective of {@code params.loss()}, with the hyper-parameters of {@code params}. */
  static Objective of(MagnetParams params) {
    return switch (params.loss()) {
      case MAGNET -> new MagnetObjective(params);
      case SOFTMAX -> new SoftmaxObjective(params);
      case TRIPLET -> new TripletObjective(params);
    };
  }

  /** The loss this objective trains with. */
  LossKind kind();

  /** What sits on top of the embedding layer. */
  Head head(int numClasses);

  /** How batches are sampled. */
  BatchSampling sampling();

  /**
   * Fails, naming the rule and the values, when the training data cannot give this objective's
   * batches: before any job, so that a bad configuration never reaches the executors.
   *
   * @param classCounts examples of each class that has any, by class id
   */
  void checkData(Map<Integer, Long> classCounts, int numClasses);

  /** The rows of one mini-batch. */
  int rowsPerBatch(Map<Integer, Long> classCounts);

  /**
   * The planner of grouped batches; only for {@link BatchSampling#NEIGHBOURHOODS} (which needs the
   * current {@code index}) and {@link BatchSampling#CLASSES} (which needs {@code classCounts}).
   *
   * @throws UnsupportedOperationException for {@link BatchSampling#SHUFFLED}
   */
  GroupPlanner planner(ClusterIndex index, Map<Integer, Long> classCounts);

  /** How a batch's labels are encoded for the head's loss. */
  LabelEncoding labels();

  /** The classifier a model of this loss is scored by: its own prediction rule. */
  Classifier classifier();

  /** Whether the network's output layer predicts classes (softmax), besides giving an embedding. */
  default boolean predictsClasses() {
    return classifier().metric() == Metric.ARGMAX_ACCURACY;
  }

  /**
   * A loss's own classifier.
   *
   * @param name how a table names it ("cluster rule", "argmax", "1-NN")
   * @param metric the metric that reports its accuracy
   */
  record Classifier(String name, Metric metric) {}
}
