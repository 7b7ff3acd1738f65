package dev.magnet.core.nn;

import java.util.Objects;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * What sits on top of the embedding layer. The embedding is always the layer just below the
 * head, so {@link NetworkFactory#embed} works the same for both.
 */
public sealed interface Head {
  /**
   * A DL4J {@code LossLayer} with the identity activation and a metric loss (Magnet, triplet)
   * that reads the embedding directly; its labels may be narrower than the embedding
   * (Magnet: {@code [n,2]} cluster and class keys; triplet: {@code [n,1]} class id).
   *
   * @param unitLength whether the embedding layer scales its output to unit length
   *     ({@link UnitLengthActivation}); a loss with an absolute margin (triplet) needs it, the
   *     Magnet loss is scale-free and the paper's embedding is not normalised
   */
  record Embedding(ILossFunction loss, boolean unitLength) implements Head {
    public Embedding {
      Objects.requireNonNull(loss, "loss");
    }
  }

  /**
   * The softmax cross-entropy baseline: a dense softmax layer over the embedding, trained with
   * one-hot labels {@code [n, numClasses]}; the embedding is the penultimate layer.
   */
  record Softmax(int numClasses) implements Head {
    /** Fewer than two classes leave softmax nothing to discriminate. */
    public static final int MIN_CLASSES = 2;

    public Softmax {
      if (numClasses < MIN_CLASSES) {
        throw new IllegalArgumentException("numClasses must be at least 2; numClasses=" + numClasses);
      }
    }
  }

  /** A metric loss on the raw embedding. */
  static Head embedding(ILossFunction loss) {
    return new Embedding(loss, false);
  }

  /** A metric loss on the embedding scaled to unit length. */
  static Head unitEmbedding(ILossFunction loss) {
    return new Embedding(loss, true);
  }

  static Head softmax(int numClasses) {
    return new Softmax(numClasses);
  }
}
