package dev.magnet.core.objective;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.Metric;
import dev.magnet.core.nn.Head;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import java.util.Map;
import java.util.Objects;

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
public abstract sealed class Objective permits MagnetObjective, SoftmaxObjective, TripletObjective {
  private final MagnetParams params;
  private final BatchSampling sampling;
  private final LabelEncoding labels;
  private final Classifier classifier;

  Objective(MagnetParams params, BatchSampling sampling, LabelEncoding labels, Classifier classifier) {
    this.params = Objects.requireNonNull(params, "params");
    this.sampling = sampling;
    this.labels = labels;
    this.classifier = classifier;
  }

  /** The objective of {@code params.loss()}, with the hyper-parameters of {@code params}. */
  public static Objective of(MagnetParams params) {
    return switch (params.loss()) {
      case MAGNET -> new MagnetObjective(params);
      case SOFTMAX -> new SoftmaxObjective(params);
      case TRIPLET -> new TripletObjective(params);
    };
  }

  /** The hyper-parameters it was made with. */
  public final MagnetParams params() {
    return params;
  }

  /** The loss this objective trains with. */
  public final LossKind kind() {
    return params.loss();
  }

  /** How batches are sampled. */
  public final BatchSampling sampling() {
    return sampling;
  }

  /** How a batch's labels are encoded for the head's loss. */
  public final LabelEncoding labels() {
    return labels;
  }

  /** The classifier a model of this loss is scored by: its own prediction rule. */
  public final Classifier classifier() {
    return classifier;
  }

  /** Whether the network's output layer predicts classes (softmax), besides giving an embedding. */
  public final boolean predictsClasses() {
    return classifier.metric() == Metric.ARGMAX_ACCURACY;
  }

  /** What sits on top of the embedding layer. */
  public abstract Head head(int numClasses);

  /**
   * Fails, naming the rule and the values, when the training data cannot give this objective's
   * batches: before any job, so that a bad configuration never reaches the executors. Every
   * objective needs every class id in [0, numClasses).
   *
   * @param classCounts examples of each class that has any, by class id
   */
  public void checkData(Map<Integer, Long> classCounts, int numClasses) {
    for (int label : classCounts.keySet()) {
      if (label < 0 || label >= numClasses) {
        throw new IllegalArgumentException("label must be in [0, " + numClasses + "); found " + label);
      }
    }
  }

  /**
   * The fewest examples a class needs to take part in one batch as the loss means it: Magnet draws
   * D examples of a cluster (a class of fewer is all repeats of the same few), triplet a positive
   * pair, softmax one example. Data that fixes its classes before it is read (an image folder per
   * class) checks it, naming the class.
   */
  public int minExamplesPerClass() {
    return 1;
  }

  /** The rows of one mini-batch: M·D unless the objective says otherwise. */
  public int rowsPerBatch(Map<Integer, Long> classCounts) {
    return params.batchSize();
  }

  /**
   * The planner of grouped batches; only for {@link BatchSampling#NEIGHBOURHOODS} (which needs the
   * current {@code index}) and {@link BatchSampling#CLASSES} (which needs {@code classCounts}).
   *
   * @throws UnsupportedOperationException for {@link BatchSampling#SHUFFLED}
   */
  public GroupPlanner planner(ClusterIndex index, Map<Integer, Long> classCounts) {
    throw new UnsupportedOperationException(kind() + " batches are " + sampling + ", not planned by group");
  }

  /**
   * A loss's own classifier.
   *
   * @param name how a table names it ("cluster rule", "argmax", "1-NN")
   * @param metric the metric that reports its accuracy
   */
  public record Classifier(String name, Metric metric) {}
}
