package dev.magnet.core.nn;

import java.util.List;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;

/**
 * The network bodies. Every network is {@code body -> dense(h, ReLU) for h in hiddenSizes ->
 * dense(embeddingDim, identity)} followed by a {@link Head}; the embedding is not normalised.
 * Convolutions are hand-written layers of libnd4j's native ops (why: see {@link ConvPoolBlock}).
 */
public enum Architecture {
  /**
   * The reference network {@code fmnist-cnn} (docs/design.md, "Networks"), layer for layer as the PyTorch
   * peer: conv 3x3x32 (no padding) + ReLU + max-pool 2, conv 3x3x64 + ReLU + max-pool 2,
   * dense 128 + ReLU, dense 64. On 1x28x28: 26 -> 13 -> 11 -> 5, so 64x5x5 = 1600 features,
   * flattened channel-major like {@code torch.flatten}.
   */
  FMNIST_CNN(List.of(128)) {
    @Override
    List<Layer> body() {
      return List.of(ConvPoolBlock.of(32, Padding.VALID), ConvPoolBlock.of(64, Padding.VALID));
    }
  },
  /** A perceptron for vector inputs: dense 256 + ReLU, dense 128 + ReLU, dense E by default. */
  MLP(List.of(256, 128)) {
    @Override
    List<Layer> body() {
      return List.of();
    }
  },
  /**
   * A small ResNet for RGB (or any) images of any size: a stem conv 3x3x32 (same padding) +
   * ReLU + max-pool 2, residual blocks of 32 (stride 1), 64 and 128 (stride 2), global average
   * pooling, dense E. A 32x32 image is 16x16 after the stem and 4x4 before the pooling.
   */
  RESNET_SMALL(List.of()) {
    @Override
    List<Layer> body() {
      return List.of(
          ConvPoolBlock.of(32, Padding.SAME),
          ResidualBlock.of(32, 1),
          ResidualBlock.of(64, 2),
          ResidualBlock.of(128, 2),
          new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
    }
  };

  private final List<Integer> defaultHiddenSizes;

  Architecture(List<Integer> defaultHiddenSizes) {
    this.defaultHiddenSizes = defaultHiddenSizes;
  }

  /** Widths of the ReLU dense layers between the body and the embedding layer, by default. */
  public List<Integer> defaultHiddenSizes() {
    return defaultHiddenSizes;
  }

  /** Whether the body is convolutional and so needs image inputs. */
  public boolean needsImages() {
    return this != MLP;
  }

  /** The layers before the dense ones; fresh instances on every call (DL4J mutates them). */
  abstract List<Layer> body();

  void checkInput(InputShape input) {
    if (needsImages() && input.kind() != InputShape.Kind.IMAGE) {
      throw new IllegalArgumentException(name() + " needs image inputs; input=" + input);
    }
  }
}
