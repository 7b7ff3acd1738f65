package dev.magnet.spark.executor;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import java.io.Serializable;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model as the executors get it, in one broadcast value: the network snapshot, the input shape
 * and, when there is one, the paper's cluster rule (the index's centroids and their classes, σ²,
 * L). {@link #local} turns it into this JVM's {@link Local} state once per executor JVM, not once
 * per task: the networks are restored on first use and reused by every later task of the same
 * broadcast, and the cluster rule is built once.
 *
 * <p>A plain serialisable class with plain arrays: {@link ClusterClassifier} and
 * {@link InputShape} are not serialisable.
 */
public final class ExecutorModel implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Each JVM's state, by model key; a new key drops the others (a long-lived executor keeps one model). */
  private static final Map<String, Local> LOCAL = new ConcurrentHashMap<>();

  private final String key = UUID.randomUUID().toString();
  private final NetworkSnapshot network;
  private final boolean image;
  private final int channels;
  private final int height;
  private final int width;
  private final double[][] centroids;
  private final int[] centroidClasses;
  private final int numClasses;
  private final double sigma2;
  private final int nearestClusters;

  private ExecutorModel(NetworkSnapshot network, InputShape shape, ClusterIndex index, int numClasses,
      int nearestClusters) {
    this.network = network;
    this.image = shape.kind() == InputShape.Kind.IMAGE;
    this.channels = shape.channels();
    this.height = shape.height();
    this.width = shape.width();
    this.centroids = index == null ? null : index.centroids();
    this.centroidClasses = index == null ? null : index.clusterClasses();
    this.numClasses = numClasses;
    this.sigma2 = index == null ? 0 : index.sigma2();
    this.nearestClusters = nearestClusters;
  }

  /** A model that only embeds. */
  public static ExecutorModel embedding(NetworkSnapshot network, InputShape shape) {
    return new ExecutorModel(network, shape, null, 0, 0);
  }

  /**
   * A model that embeds and classifies by the paper's cluster rule.
   *
   * @throws IllegalArgumentException when the index cannot classify (σ² not positive, no centroids)
   */
  public static ExecutorModel classifying(NetworkSnapshot network, InputShape shape, ClusterIndex index,
      int numClasses, int nearestClusters) {
    ExecutorModel model = new ExecutorModel(network, shape, index, numClasses, nearestClusters);
    model.newClassifier();
    return model;
  }

  /** The shape of one input example. */
  public InputShape inputShape() {
    return new InputShape(image ? InputShape.Kind.IMAGE : InputShape.Kind.VECTOR, channels, height, width);
  }

  /** Whether batches are classified by the cluster rule. */
  public boolean classifies() {
    return centroids != null;
  }

  /** The paper's classification rule with the model's centroids, σ² and L (as {@code magnet evaluate} builds it). */
  public ClusterClassifier newClassifier() {
    if (centroids == null) {
      throw new IllegalStateException("this model has no cluster rule");
    }
    return new ClusterClassifier(Nd4j.create(centroids), centroidClasses, numClasses, sigma2, nearestClusters);
  }

  /** This JVM's state of the model: created by the first task that asks, shared by the later ones. */
  public Local local() {
    Local local = LOCAL.get(key);
    if (local != null) {
      return local;
    }
    synchronized (LOCAL) {
      LOCAL.keySet().removeIf(other -> !other.equals(key));
      return LOCAL.computeIfAbsent(key, k -> new Local(this));
    }
  }

  /**
   * One JVM's state of a model: idle networks for the tasks that follow (DL4J networks are not
   * thread-safe, so concurrent tasks each take one; a JVM holds at most one per task it runs at
   * once, all reading one parameter buffer), and the cluster rule.
   */
  public static final class Local {
    private final ExecutorModel model;
    private final Queue<MultiLayerNetwork> idle = new ConcurrentLinkedQueue<>();
    private final ClusterClassifier classifier;
    private final int embedBatch;

    private Local(ExecutorModel model) {
      this.model = model;
      this.classifier = model.classifies() ? model.newClassifier() : null;
      this.embedBatch = NetworkFactory.embedBatchSize(model.network.configuration(), model.inputShape());
    }

    /** Rows per forward pass: the network's own ({@link NetworkFactory#embedBatchSize}). */
    public int embedBatch() {
      return embedBatch;
    }

    public ExecutorModel model() {
      return model;
    }

    /** The cluster rule, or null when the model only embeds. */
    public ClusterClassifier classifier() {
      return classifier;
    }

    /** A network for one task: an idle one, or a new one restored from the snapshot. */
    MultiLayerNetwork take() {
      MultiLayerNetwork network = idle.poll();
      return network != null ? network : model.network.restoreForInference();
    }

    /** Hands a network back when its task is done with it. */
    void give(MultiLayerNetwork network) {
      idle.add(network);
    }
  }
}
