package dev.magnet.core.nn;

import java.util.List;

/**
 * The network a user asks for before the data's shape is known: each choice left null takes its
 * default when {@link #resolve} meets the input. The command line and the Spark ML params both
 * state their choices this way, so that the defaults and the rule "fmnist-cnn for images, mlp for
 * vectors" live here only.
 *
 * @param architecture the body, or null for fmnist-cnn on images and mlp on vectors
 * @param embeddingDim the embedding width, or null for {@link NetworkSpec#DEFAULT_EMBEDDING_DIM}
 * @param learningRate Adam's rate, or null for {@link NetworkSpec#DEFAULT_LEARNING_RATE}
 * @param hiddenSizes the dense layers before the embedding, or null for the architecture's own
 */
public record NetworkChoice(Architecture architecture, Integer embeddingDim, Double learningRate,
    List<Integer> hiddenSizes) {
  public NetworkChoice {
    hiddenSizes = hiddenSizes == null ? null : List.copyOf(hiddenSizes);
  }

  /** Every choice left to its default. */
  public static NetworkChoice defaults() {
    return new NetworkChoice(null, null, null, null);
  }

  /** The architecture for inputs of {@code input}'s kind: the one chosen, else by the kind. */
  public Architecture architectureFor(InputShape input) {
    if (architecture != null) {
      return architecture;
    }
    return input.kind() == InputShape.Kind.IMAGE ? Architecture.FMNIST_CNN : Architecture.MLP;
  }

  /**
   * The network for inputs of {@code input}'s shape, its weights seeded with the run's seed.
   *
   * @throws IllegalArgumentException when a choice does not fit the input or is out of range
   */
  public NetworkSpec resolve(InputShape input, long seed) {
    NetworkSpec spec = NetworkSpec.of(architectureFor(input), input).withSeed(seed);
    if (embeddingDim != null) {
      spec = spec.withEmbeddingDim(embeddingDim);
    }
    if (learningRate != null) {
      spec = spec.withLearningRate(learningRate);
    }
    if (hiddenSizes != null) {
      spec = spec.withHiddenSizes(hiddenSizes);
    }
    return spec;
  }

  public NetworkChoice withArchitecture(Architecture value) {
    return new NetworkChoice(value, embeddingDim, learningRate, hiddenSizes);
  }

  public NetworkChoice withEmbeddingDim(Integer value) {
    return new NetworkChoice(architecture, value, learningRate, hiddenSizes);
  }

  public NetworkChoice withLearningRate(Double value) {
    return new NetworkChoice(architecture, embeddingDim, value, hiddenSizes);
  }

  public NetworkChoice withHiddenSizes(List<Integer> value) {
    return new NetworkChoice(architecture, embeddingDim, learningRate, value);
  }

  /** Whether any choice was made: a model to continue from brings its own network, so it takes none. */
  public boolean isDefault() {
    return equals(defaults());
  }
}
