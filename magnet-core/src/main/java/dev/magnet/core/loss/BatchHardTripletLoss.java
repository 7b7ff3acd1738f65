package dev.magnet.core.loss;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.params.MagnetParams;
import java.util.Arrays;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Batch-hard triplet loss (Hermans, Beyer, Leibe 2017), the baseline the Magnet paper compares
 * against, as a DL4J loss function.
 *
 * <p>For every anchor a of a batch of P classes × K examples, with Euclidean distances D:
 * {@code ℓ_a = max(0, margin + max_{p: y_p = y_a, p ≠ a} D(a,p) − min_{n: y_n ≠ y_a} D(a,n))}; the
 * network's score is the mean. An anchor without a positive or without a negative in the batch
 * has an explicit zero loss. Distances are {@code sqrt(‖a−b‖² + ε)}, so identical points give a
 * zero gradient rather than 0/0.
 *
 * <p><b>Labels:</b> one column, the class key of each example. Computed on plain double arrays
 * for the same reason as {@link MagnetLoss}: the batch is tiny and the exact gradient is cheap.
 */
public final class BatchHardTripletLoss extends BatchLossFunction {
  private static final long serialVersionUID = 1L;

  /** Added under the square root so that D(a,a) has a defined (zero) gradient. */
  static final double DISTANCE_EPSILON = 1e-12;

  @JsonProperty("margin")
  private final double margin;

  /** Margin {@link MagnetParams#DEFAULT_TRIPLET_MARGIN}; the no-argument constructor DL4J's JSON configuration needs. */
  public BatchHardTripletLoss() {
    this(MagnetParams.DEFAULT_TRIPLET_MARGIN);
  }

  @JsonCreator
  public BatchHardTripletLoss(@JsonProperty("margin") double margin) {
    this.margin = MagnetParams.requireMargin("margin", margin);
  }

  public double getMargin() {
    return margin;
  }

  /** Builds the one-column labels array of a batch from per-example class keys. */
  public static INDArray labels(int[] classKeys, DataType dataType) {
    double[] values = Arrays.stream(classKeys).asDoubleStream().toArray();
    return Nd4j.create(values, new long[] {values.length, 1}).castTo(dataType);
  }

  /** Per-anchor losses and, if asked, the gradient of their sum. */
  public record BatchLoss(double[] losses, double[][] gradient) {}

  /** The batch-hard triplet loss on plain arrays. */
  public static BatchLoss compute(double[][] r, int[] classKeys, double margin, boolean withGradient) {
    int n = r.length;
    int dim = n == 0 ? 0 : r[0].length;
    double[][] dist = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        dist[i][j] = Math.sqrt(Distances.squared(r[i], r[j]) + DISTANCE_EPSILON);
        dist[j][i] = dist[i][j];
      }
    }
    double[] losses = new double[n];
    double[][] g = withGradient ? new double[n][dim] : null;
    for (int a = 0; a < n; a++) {
      int positive = -1;
      int negative = -1;
      for (int j = 0; j < n; j++) {
        if (j == a) {
          continue;
        }
        if (classKeys[j] == classKeys[a]) {
          if (positive < 0 || dist[a][j] > dist[a][positive]) {
            positive = j;
          }
        } else if (negative < 0 || dist[a][j] < dist[a][negative]) {
          negative = j;
        }
      }
      if (positive < 0 || negative < 0) {
        continue; // No triplet can be formed for this anchor.
      }
      double value = margin + dist[a][positive] - dist[a][negative];
      if (value <= 0) {
        continue;
      }
      losses[a] = value;
      if (withGradient) {
        for (int e = 0; e < dim; e++) {
          double towardsPositive = (r[a][e] - r[positive][e]) / dist[a][positive];
          double towardsNegative = (r[a][e] - r[negative][e]) / dist[a][negative];
          g[a][e] += towardsPositive - towardsNegative;
          g[positive][e] -= towardsPositive;
          g[negative][e] += towardsNegative;
        }
      }
    }
    return new BatchLoss(losses, g);
  }

  @Override
  Evaluation evaluate(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean grad) {
    if (preOutput.rank() != 2) {
      throw new IllegalArgumentException("triplet loss needs a 2-D [examples, embedding] input; shape="
          + Arrays.toString(preOutput.shape()));
    }
    if (labels.rank() != 2 || labels.size(1) != 1 || labels.size(0) != preOutput.size(0)) {
      throw new IllegalArgumentException("triplet loss labels must be [" + preOutput.size(0)
          + ", 1] (classKey); shape=" + Arrays.toString(labels.shape()));
    }
    if (mask != null) {
      throw new IllegalArgumentException("triplet loss takes no mask: batches are whole P×K blocks");
    }
    INDArray output = activationFn.getActivation(preOutput.dup(), true);
    double[][] r = Matrices.toDoubleRows(output);
    double[] keys = labels.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
    int[] classKeys = new int[keys.length];
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != Math.rint(keys[i])) {
        throw new IllegalArgumentException("class key must be an integer; row=" + i + ", value=" + keys[i]);
      }
      classKeys[i] = (int) keys[i];
    }
    BatchLoss batch = compute(r, classKeys, margin, grad);
    INDArray gradient = null;
    if (grad) {
      INDArray dLdOut = Nd4j.create(batch.gradient()).castTo(preOutput.dataType());
      gradient = activationFn.backprop(preOutput.dup(), dLdOut).getFirst();
    }
    return new Evaluation(batch.losses(), gradient);
  }

  @Override
  public String name() {
    return "BatchHardTripletLoss(margin=" + margin + ")";
  }

  @Override
  double hyperParameter() {
    return margin;
  }
}
