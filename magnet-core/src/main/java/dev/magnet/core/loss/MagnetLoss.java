package dev.magnet.core.loss;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.params.MagnetParams;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The Magnet loss of Rippel et al. (ICLR 2016), mini-batch form, as a DL4J {@link org.nd4j.linalg.lossfunctions.ILossFunction}.
 *
 * <p>A batch holds examples of several clusters. With the batch cluster means {@code μ̂_m}, the batch
 * variance {@code σ̂² = 1/(N−1) Σ_i ‖r_i − μ̂_{m(i)}‖²} and {@code s = 1/(2σ̂²)}, example i scores
 *
 * <pre>
 *   ℓ_i = max(0, s‖r_i − μ̂_{m(i)}‖² + α + log Σ_{m': C(m') ≠ C(i)} exp(−s‖r_i − μ̂_{m'}‖²))
 * </pre>
 *
 * and the network's score is the mean of ℓ_i. The numerator holds only the example's own cluster,
 * the denominator only clusters of other classes, and the gradient flows through μ̂ and σ̂².
 *
 * <p><b>Labels.</b> Two columns per example: {@code [clusterKey, classKey]}, any integers. Examples
 * with the same cluster key form one batch cluster; a cluster key seen with two class keys is an
 * error. The labels are therefore narrower than the embedding, which DL4J allows for a loss layer.
 *
 * <p><b>Why a hand-written {@code ILossFunction} and not a SameDiff output layer.</b> A batch is
 * M·D × E (48 × 64 by default): the whole loss is O(N·M·E) ≈ 40k multiply-adds, far less than the
 * cost of dispatching one native op. Computing value and exact gradient in one pass over plain
 * double arrays is therefore both the fastest route and the most accurate one (double
 * accumulation whatever the network's data type), and it plugs into a {@code MultiLayerNetwork}
 * through a parameter-free {@code LossLayer}, which {@code dl4j-spark}'s parameter averaging trains
 * as is. The gradient below is derived by hand and verified by DL4J's finite-difference
 * {@code GradientCheckUtil} in the tests.
 *
 * <p><b>Degenerate batches</b> give finite values, never NaN: fewer than two examples → zero loss;
 * an example with no cluster of another class in the batch → zero loss for it (the log of an empty
 * sum is −∞); σ̂² below {@link #VARIANCE_FLOOR} is floored (then treated as a constant); the
 * denominator uses log-sum-exp, so embeddings of norm 1e3 and more stay finite.
 */
public final class MagnetLoss extends BatchLossFunction {
  private static final long serialVersionUID = 1L;

  /** Smallest batch variance used; below it (all points equal) 1/(2σ²) would overflow to ∞. */
  public static final double VARIANCE_FLOOR = 1e-12;

  /** Column of the cluster key in the labels. */
  public static final int CLUSTER_COLUMN = 0;

  /** Column of the class key in the labels. */
  public static final int CLASS_COLUMN = 1;

  @JsonProperty("alpha")
  private final double alpha;

  /** Margin {@link MagnetParams#DEFAULT_ALPHA}; the no-argument constructor DL4J's JSON configuration needs. */
  public MagnetLoss() {
    this(MagnetParams.DEFAULT_ALPHA);
  }

  /**
   * @param alpha the margin α between an example's own-cluster distance and the other classes'
   */
  @JsonCreator
  public MagnetLoss(@JsonProperty("alpha") double alpha) {
    this.alpha = MagnetParams.requireMargin("alpha", alpha);
  }

  public double getAlpha() {
    return alpha;
  }

  /** Builds the labels array of a batch from per-example cluster and class keys. */
  public static INDArray labels(int[] clusterKeys, int[] classKeys, DataType dataType) {
    if (clusterKeys.length != classKeys.length) {
      throw new IllegalArgumentException(
          "cluster and class keys differ in count: " + clusterKeys.length + "!=" + classKeys.length);
    }
    double[][] rows = new double[clusterKeys.length][2];
    for (int i = 0; i < rows.length; i++) {
      rows[i][CLUSTER_COLUMN] = clusterKeys[i];
      rows[i][CLASS_COLUMN] = classKeys[i];
    }
    return Nd4j.create(rows).castTo(dataType);
  }

  @Override
  Evaluation evaluate(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean grad) {
    if (preOutput.rank() != 2) {
      throw new IllegalArgumentException(
          "Magnet loss needs a 2-D [examples, embedding] input; shape=" + Arrays.toString(preOutput.shape()));
    }
    if (labels.rank() != 2 || labels.size(1) != 2 || labels.size(0) != preOutput.size(0)) {
      throw new IllegalArgumentException("Magnet loss labels must be [" + preOutput.size(0)
          + ", 2] (clusterKey, classKey); shape=" + Arrays.toString(labels.shape()));
    }
    INDArray output = activationFn.getActivation(preOutput.dup(), true);
    int n = (int) output.size(0);
    double[][] r = Matrices.toDoubleRows(output);
    double[][] keys = Matrices.toDoubleRows(labels);
    double[] maskValues = mask == null ? null : mask.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
    int[] active = activeRows(n, maskValues);
    double[][] ra = new double[active.length][];
    int[] clusterKeys = new int[active.length];
    int[] classKeys = new int[active.length];
    for (int a = 0; a < active.length; a++) {
      ra[a] = r[active[a]];
      clusterKeys[a] = toKey(keys[active[a]][CLUSTER_COLUMN], "cluster", active[a]);
      classKeys[a] = toKey(keys[active[a]][CLASS_COLUMN], "class", active[a]);
    }
    BatchLoss batch = compute(ra, clusterKeys, classKeys, alpha, grad);
    double[] perExample = new double[n];
    for (int a = 0; a < active.length; a++) {
      perExample[active[a]] = batch.losses()[a];
    }
    INDArray gradient = null;
    if (grad) {
      double[][] g = new double[n][r.length == 0 ? 0 : r[0].length];
      for (int a = 0; a < active.length; a++) {
        g[active[a]] = batch.gradient()[a];
      }
      INDArray dLdOut = Nd4j.create(g).castTo(preOutput.dataType());
      gradient = activationFn.backprop(preOutput.dup(), dLdOut).getFirst();
    }
    return new Evaluation(perExample, gradient);
  }

  private static int[] activeRows(int n, double[] mask) {
    if (mask == null) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    if (mask.length != n) {
      throw new IllegalArgumentException(
          "Magnet loss takes a per-example mask of " + n + " values; mask length=" + mask.length);
    }
    return java.util.stream.IntStream.range(0, n).filter(i -> mask[i] != 0.0).toArray();
  }

  private static int toKey(double value, String what, int row) {
    if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          what + " key must be an integer; row=" + row + ", value=" + value);
    }
    return (int) value;
  }

  /** Per-example losses and, if asked, the gradient of their sum with respect to the embeddings. */
  public record BatchLoss(double[] losses, double[][] gradient, double variance) {}

  /**
   * The Magnet loss of one batch on plain arrays: per-example losses ℓ_i and ∂(Σℓ_i)/∂r.
   *
   * @param r embeddings, one row per example
   * @param clusterKeys batch cluster of each example
   * @param classKeys class of each example; equal within a cluster
   */
  public static BatchLoss compute(
      double[][] r, int[] clusterKeys, int[] classKeys, double alpha, boolean withGradient) {
    int n = r.length;
    int dim = n == 0 ? 0 : r[0].length;
    double[] losses = new double[n];
    double[][] g = withGradient ? new double[n][dim] : null;
    if (n < 2) {
      return new BatchLoss(losses, g, 0.0);
    }
    // Dense cluster ids in order of first appearance.
    Map<Integer, Integer> ids = new HashMap<>();
    int[] m = new int[n];
    int[] clusterClass = new int[n];
    for (int i = 0; i < n; i++) {
      Integer id = ids.get(clusterKeys[i]);
      if (id == null) {
        id = ids.size();
        ids.put(clusterKeys[i], id);
        clusterClass[id] = classKeys[i];
      } else if (clusterClass[id] != classKeys[i]) {
        throw new IllegalArgumentException("cluster " + clusterKeys[i]
            + " holds examples of two classes: " + clusterClass[id] + " and " + classKeys[i]);
      }
      m[i] = id;
    }
    int clusters = ids.size();
    double[][] mu = new double[clusters][dim];
    int[] count = new int[clusters];
    for (int i = 0; i < n; i++) {
      count[m[i]]++;
      for (int e = 0; e < dim; e++) {
        mu[m[i]][e] += r[i][e];
      }
    }
    for (int j = 0; j < clusters; j++) {
      for (int e = 0; e < dim; e++) {
        mu[j][e] /= count[j];
      }
    }
    double[][] dist = new double[n][clusters];
    double within = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < clusters; j++) {
        dist[i][j] = Distances.squared(r[i], mu[j]);
      }
      within += dist[i][m[i]];
    }
    double variance = within / (n - 1);
    boolean floored = !(variance >= VARIANCE_FLOOR);
    if (floored) {
      variance = VARIANCE_FLOOR;
    }
    double s = 1.0 / (2.0 * variance);

    // Forward pass; c[i][j] = ∂ℓ_i/∂d_ij and gS = Σ_i ∂ℓ_i/∂s for the backward pass.
    double[][] c = withGradient ? new double[n][clusters] : null;
    double gS = 0;
    double[] w = new double[clusters];
    for (int i = 0; i < n; i++) {
      double maxExponent = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < clusters; j++) {
        if (clusterClass[j] != classKeys[i]) {
          maxExponent = Math.max(maxExponent, -s * dist[i][j]);
        }
      }
      if (maxExponent == Double.NEGATIVE_INFINITY) {
        continue; // No cluster of another class in the batch: nothing to discriminate against.
      }
      double sumExp = 0;
      for (int j = 0; j < clusters; j++) {
        w[j] = clusterClass[j] != classKeys[i] ? Math.exp(-s * dist[i][j] - maxExponent) : 0.0;
        sumExp += w[j];
      }
      double logSumExp = maxExponent + Math.log(sumExp);
      double a = s * dist[i][m[i]] + alpha + logSumExp;
      if (a <= 0) {
        continue;
      }
      losses[i] = a;
      if (withGradient) {
        double weightedDistance = 0;
        for (int j = 0; j < clusters; j++) {
          w[j] /= sumExp;
          c[i][j] = -s * w[j];
          weightedDistance += w[j] * dist[i][j];
        }
        c[i][m[i]] += s;
        gS += dist[i][m[i]] - weightedDistance;
      }
    }
    if (!withGradient) {
      return new BatchLoss(losses, null, variance);
    }
    // d_ij = ‖r_i − μ_j‖² with μ_j the mean of cluster j:
    // ∂d_ij/∂r_k = 2(r_i − μ_j)(δ_ik − [k ∈ j]/n_j).
    double[][] b = new double[clusters][dim]; // B_j = Σ_i c_ij · 2(r_i − μ_j)
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < clusters; j++) {
        double cij = c[i][j];
        if (cij == 0) {
          continue;
        }
        for (int e = 0; e < dim; e++) {
          double diff = 2 * cij * (r[i][e] - mu[j][e]);
          g[i][e] += diff;
          b[j][e] += diff;
        }
      }
    }
    // s = 1/(2σ²), σ² = within/(N−1): ∂s/∂r_k = −2s² · 2(r_k − μ_{m(k)})/(N−1); the μ terms cancel.
    double sigmaFactor = floored ? 0.0 : gS * (-2 * s * s) * 2.0 / (n - 1);
    for (int k = 0; k < n; k++) {
      int own = m[k];
      for (int e = 0; e < dim; e++) {
        g[k][e] += -b[own][e] / count[own] + sigmaFactor * (r[k][e] - mu[own][e]);
      }
    }
    return new BatchLoss(losses, g, variance);
  }

  @Override
  public String name() {
    return "MagnetLoss(alpha=" + alpha + ")";
  }

  @Override
  double hyperParameter() {
    return alpha;
  }
}
