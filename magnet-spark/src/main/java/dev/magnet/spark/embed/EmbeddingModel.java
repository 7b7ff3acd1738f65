package dev.magnet.spark.embed;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.executor.ExecutorModel;
import dev.magnet.spark.executor.NetworkSnapshot;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What the executors need of a model to embed and classify, as one broadcast value: the
 * {@link ExecutorModel} (network, cluster rule) and the label names. Each executor JVM sets the
 * model up once ({@link ExecutorModel#local}) and its tasks share it.
 */
public final class EmbeddingModel implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ExecutorModel executor;
  private final ArrayList<String> labelNames;
  private final ImagePreprocessing preprocessing;

  private EmbeddingModel(ModelArtifact artifact) {
    this.executor = ExecutorModel.classifying(new NetworkSnapshot(artifact.network(), 0),
        artifact.networkSpec().input(), artifact.index(), artifact.labelNames().size(),
        artifact.params().nearestClusters());
    this.labelNames = new ArrayList<>(artifact.labelNames());
    this.preprocessing = artifact.preprocessing();
  }

  /**
   * The model's embedding state.
   *
   * @throws IllegalArgumentException when its index cannot classify (σ² not positive, no centroids)
   */
  public static EmbeddingModel of(ModelArtifact artifact) {
    return new EmbeddingModel(artifact);
  }

  /** The paper's classification rule with the model's centroids, σ² and L (as {@code magnet evaluate} builds it). */
  public ClusterClassifier classifier() {
    return executor.newClassifier();
  }

  /** The network and cluster rule as executors run them. */
  ExecutorModel executor() {
    return executor;
  }

  /** The shape of one input example. */
  public InputShape inputShape() {
    return executor.inputShape();
  }

  /** How the model's training made images its inputs; null for a model of vectors. */
  public ImagePreprocessing preprocessing() {
    return preprocessing;
  }

  public List<String> labelNames() {
    return List.copyOf(labelNames);
  }

  /** The class name of a class id. */
  String labelName(int label) {
    return labelNames.get(label);
  }
}
