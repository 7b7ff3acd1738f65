package dev.magnet.spark.embed;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.train.NetworkSnapshot;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the executors need of a model to embed and classify, as one broadcast value: the network
 * snapshot, the index's centroids with their classes, σ², L and the label names. Executors
 * restore the network once per concurrent task and reuse it for later partitions
 * ({@link NetworkPool}, keyed by this object's random key), and build the
 * {@link ClusterClassifier} once per partition.
 *
 * <p>A plain serialisable class with plain arrays: {@link ClusterClassifier} and
 * {@link InputShape} are not serialisable, and Kryo cannot set a record's final fields on Java 17.
 */
public final class EmbeddingModel implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String key = UUID.randomUUID().toString();
  private final NetworkSnapshot network;
  private final double[][] centroids;
  private final int[] centroidClasses;
  private final double sigma2;
  private final int nearestClusters;
  private final ArrayList<String> labelNames;
  private final boolean image;
  private final int channels;
  private final int height;
  private final int width;

  private EmbeddingModel(ModelArtifact artifact) {
    ClusterIndex index = artifact.index();
    this.network = new NetworkSnapshot(artifact.network());
    this.centroids = index.centroids();
    this.centroidClasses = index.clusterClasses();
    this.sigma2 = index.sigma2();
    this.nearestClusters = artifact.params().nearestClusters();
    this.labelNames = new ArrayList<>(artifact.labelNames());
    InputShape shape = artifact.networkSpec().input();
    this.image = shape.kind() == InputShape.Kind.IMAGE;
    this.channels = shape.channels();
    this.height = shape.height();
    this.width = shape.width();
  }

  /**
   * The model's embedding state.
   *
   * @throws IllegalArgumentException when its index cannot classify (σ² not positive, no centroids)
   */
  public static EmbeddingModel of(ModelArtifact artifact) {
    EmbeddingModel model = new EmbeddingModel(artifact);
    model.classifier();
    return model;
  }

  /** The paper's classification rule with the model's centroids, σ² and L (as {@code magnet evaluate} builds it). */
  public ClusterClassifier classifier() {
    return new ClusterClassifier(Nd4j.create(centroids), centroidClasses, labelNames.size(),
        sigma2, nearestClusters);
  }

  /** A network for one partition: reused from an earlier partition of this job in this JVM, or restored. */
  MultiLayerNetwork takeNetwork() {
    return NetworkPool.take(key, network);
  }

  /** Hands a network back when its partition is done. */
  void returnNetwork(MultiLayerNetwork restored) {
    NetworkPool.give(key, restored);
  }

  /** The shape of one input example. */
  public InputShape inputShape() {
    return new InputShape(image ? InputShape.Kind.IMAGE : InputShape.Kind.VECTOR, channels, height, width);
  }

  public List<String> labelNames() {
    return List.copyOf(labelNames);
  }

  /** The class name of a class id. */
  String labelName(int label) {
    return labelNames.get(label);
  }
}
