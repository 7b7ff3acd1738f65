package dev.magnet.core.nn;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Scales every row to unit Euclidean length: {@code y = x / sqrt(‖x‖² + ε)}. The activation of
 * the embedding layer of the triplet baseline, so that its margin has a scale and the embeddings
 * it is evaluated on are the ones it was trained on.
 *
 * <p>Why it is needed: a margin loss on raw embeddings can lower its value by shrinking every
 * embedding at once. Batch-hard triplets at initialisation have their hardest positive farther
 * than their hardest negative, so shrinking all embeddings is a consistent descent direction.
 * With DL4J's He/Xavier initialisation fmnist-cnn's first triplet loss on Fashion-MNIST is 2.60
 * (the PyTorch peer's, with PyTorch's smaller default initialisation: 0.22), so shrinking pays
 * ten times the margin; training slid down that direction until every image had the same
 * embedding — loss exactly the margin, a zero gradient, 1-NN at chance — and never left it. On
 * the unit sphere there is no scale to shrink (first loss 0.34). This is FaceNet's set-up for a
 * 0.2 margin, and pytorch-metric-learning's default for its triplet loss.
 *
 * <p>Written here because neither DL4J nor ND4J has a row-normalising activation. Backward:
 * {@code ∂L/∂x = (g − y (y·g)) / sqrt(‖x‖² + ε)} for {@code g = ∂L/∂y}.
 */
public final class UnitLengthActivation extends BaseActivationFunction {
  private static final long serialVersionUID = 1L;

  /** Added to ‖x‖² so that a zero row maps to zero instead of 0/0. */
  static final double EPSILON = 1e-12;

  @Override
  public INDArray getActivation(INDArray in, boolean training) {
    checkRank(in);
    INDArray norms = norms(in);
    return in.diviColumnVector(norms);
  }

  @Override
  public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
    assertShape(in, epsilon);
    checkRank(in);
    INDArray norms = norms(in);
    INDArray y = in.divColumnVector(norms);
    INDArray along = y.mul(epsilon).sum(true, 1);
    INDArray grad = epsilon.sub(y.muliColumnVector(along)).diviColumnVector(norms);
    in.assign(grad);
    return new Pair<>(in, null);
  }

  private static INDArray norms(INDArray in) {
    return Transforms.sqrt(in.mul(in).sum(true, 1).addi(EPSILON), false);
  }

  private static void checkRank(INDArray in) {
    if (in.rank() != 2) {
      throw new IllegalArgumentException("unit-length activation needs [examples, dimension]; shape="
          + java.util.Arrays.toString(in.shape()));
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UnitLengthActivation;
  }

  @Override
  public int hashCode() {
    return UnitLengthActivation.class.hashCode();
  }

  @Override
  public String toString() {
    return "unitlength";
  }
}
