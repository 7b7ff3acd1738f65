package dev.magnet.spark;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.loss.MagnetLoss;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.model.Provenance;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.Head;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small models for the module's tests: magnet-core's {@code ModelArtifactTest.tinyModel} is
 * package-private, so this is its equivalent (MLP 4 -> 8 -> 3, two classes of two clusters).
 */
public final class TestModels {
  private TestModels() {}

  /** A tiny two-class model on 4-dimensional vectors. */
  public static ModelArtifact tiny() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(4)).withEmbeddingDim(3)
        .withHiddenSizes(List.of(8)).withSeed(5);
    MultiLayerNetwork net = NetworkFactory.build(spec, Head.embedding(new MagnetLoss(0.5)));
    ClusterIndex index = ClusterIndex.of(2, new double[][] {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
        new int[] {0, 0, 1, 1}, new long[] {3, 2, 4, 1}, 0.25, null);
    Provenance provenance = new Provenance("2026-11-28T00:00:00Z", "tiny test model", 10, 1, "test", "17",
        "Linux amd64", "CpuBackend");
    return new ModelArtifact(net, index, List.of("cat", "dog"), MagnetParams.defaults().withAlpha(0.5), spec,
        provenance);
  }

  /** Two fixed inputs of the tiny model, to compare embeddings. */
  public static INDArray input() {
    return Nd4j.create(new float[][] {{0.1f, 0.2f, 0.3f, 0.4f}, {1, -1, 0.5f, 0}});
  }
}
