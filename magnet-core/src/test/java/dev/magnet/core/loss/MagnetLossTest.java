package dev.magnet.core.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MagnetLossTest {
  private static final ActivationIdentity IDENTITY = new ActivationIdentity();

  /**
   * 12 points on the unit circle at 30° steps; point i belongs to cluster i mod 4, so clusters
   * interleave and the loss is well above zero. Clusters 0 and 1 are class 0, cluster 2 class 1,
   * cluster 3 class 2 — so class 0 has two clusters, which must not appear in each other's
   * denominators.
   */
  private static final int[] CIRCLE_CLUSTERS = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};

  private static final int[] CIRCLE_CLASSES = {0, 0, 1, 2, 0, 0, 1, 2, 0, 0, 1, 2};

  private static double[][] circle(double radius) {
    double[][] points = new double[12][2];
    for (int i = 0; i < 12; i++) {
      double angle = Math.toRadians(30 * i);
      points[i][0] = radius * Math.cos(angle);
      points[i][1] = radius * Math.sin(angle);
    }
    return points;
  }

  /** The loss exactly as the paper writes it, plain loops, naive exp; no shared code. */
  private static double[] reference(double[][] r, int[] cluster, int[] clazz, double alpha) {
    int n = r.length;
    int dim = r[0].length;
    int clusters = 0;
    for (int c : cluster) {
      clusters = Math.max(clusters, c + 1);
    }
    double[][] mean = new double[clusters][dim];
    int[] size = new int[clusters];
    int[] classOf = new int[clusters];
    for (int i = 0; i < n; i++) {
      size[cluster[i]]++;
      classOf[cluster[i]] = clazz[i];
      for (int e = 0; e < dim; e++) {
        mean[cluster[i]][e] += r[i][e];
      }
    }
    for (int j = 0; j < clusters; j++) {
      for (int e = 0; e < dim; e++) {
        mean[j][e] /= size[j];
      }
    }
    double variance = 0;
    for (int i = 0; i < n; i++) {
      variance += dist(r[i], mean[cluster[i]]);
    }
    variance /= (n - 1);
    double[] loss = new double[n];
    for (int i = 0; i < n; i++) {
      double numerator = Math.exp(-dist(r[i], mean[cluster[i]]) / (2 * variance) - alpha);
      double denominator = 0;
      for (int j = 0; j < clusters; j++) {
        if (classOf[j] != clazz[i]) {
          denominator += Math.exp(-dist(r[i], mean[j]) / (2 * variance));
        }
      }
      loss[i] = Math.max(0, -Math.log(numerator / denominator));
    }
    return loss;
  }

  private static double dist(double[] a, double[] b) {
    double s = 0;
    for (int e = 0; e < a.length; e++) {
      s += (a[e] - b[e]) * (a[e] - b[e]);
    }
    return s;
  }

  private static double mean(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s / values.length;
  }

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = {"DOUBLE", "FLOAT"})
  void valueEqualsPlainLoopReferenceOnCircle(DataType type) {
    double[][] points = circle(1.0);
    double[] expected = reference(points, CIRCLE_CLUSTERS, CIRCLE_CLASSES, 1.0);
    INDArray out = Nd4j.create(points).castTo(type);
    INDArray labels = MagnetLoss.labels(CIRCLE_CLUSTERS, CIRCLE_CLASSES, type);
    MagnetLoss loss = new MagnetLoss(1.0);

    double[] actual = loss.computeScoreArray(labels, out, IDENTITY, null).castTo(DataType.DOUBLE)
        .reshape(-1).toDoubleVector();
    double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-5;
    assertArrayEquals(expected, actual, tolerance);
    assertEquals(mean(expected), loss.computeScore(labels, out, IDENTITY, null, true), tolerance);
    assertEquals(mean(expected) * 12, loss.computeScore(labels, out, IDENTITY, null, false), 12 * tolerance);
    assertTrue(mean(expected) > 0.1, "the circle case must exercise the hinge's active side");
  }

  @Test
  void hingeClipsWellSeparatedExamplesToExactlyZero() {
    // Two tight clusters of different classes far apart: every example is beyond the margin.
    double[][] points = {{0, 0}, {0.01, 0}, {10, 0}, {10.01, 0}};
    int[] clusters = {0, 0, 1, 1};
    int[] classes = {0, 0, 1, 1};
    assertZeroLossAndGradient(MagnetLoss.compute(points, clusters, classes, 1.0, true), 4, 2);
  }

  /** {@code examples} losses and a gradient of {@code examples} rows of {@code dim}, all exactly 0. */
  private static void assertZeroLossAndGradient(MagnetLoss.BatchLoss result, int examples, int dim) {
    assertArrayEquals(new double[examples], result.losses());
    assertEquals(examples, result.gradient().length);
    for (double[] row : result.gradient()) {
      assertArrayEquals(new double[dim], row);
    }
  }

  @Test
  void analyticGradientMatchesFiniteDifferencesOnTheLossAlone() {
    SplittableRandom random = new SplittableRandom(7);
    double[][] r = new double[12][3];
    for (double[] row : r) {
      for (int e = 0; e < row.length; e++) {
        row[e] = random.nextGaussian();
      }
    }
    MagnetLoss.BatchLoss result = MagnetLoss.compute(r, CIRCLE_CLUSTERS, CIRCLE_CLASSES, 1.0, true);
    double h = 1e-6;
    for (int i = 0; i < r.length; i++) {
      for (int e = 0; e < r[i].length; e++) {
        double keep = r[i][e];
        r[i][e] = keep + h;
        double up = sum(MagnetLoss.compute(r, CIRCLE_CLUSTERS, CIRCLE_CLASSES, 1.0, false).losses());
        r[i][e] = keep - h;
        double down = sum(MagnetLoss.compute(r, CIRCLE_CLUSTERS, CIRCLE_CLASSES, 1.0, false).losses());
        r[i][e] = keep;
        double numeric = (up - down) / (2 * h);
        assertEquals(numeric, result.gradient()[i][e], 1e-6 * Math.max(1, Math.abs(numeric)),
            "gradient of example " + i + ", dimension " + e);
      }
    }
  }

  private static double sum(double[] values) {
    double s = 0;
    for (double v : values) {
      s += v;
    }
    return s;
  }

  @Test
  void passesDl4jGradientCheckOnASmallNetwork() {
    Nd4j.getRandom().setSeed(42);
    MultiLayerNetwork net = TinyNets.network(new MagnetLoss(1.0));
    INDArray input = Nd4j.rand(DataType.DOUBLE, 12, TinyNets.INPUTS).subi(0.5).muli(4);
    INDArray labels = MagnetLoss.labels(CIRCLE_CLUSTERS, CIRCLE_CLASSES, DataType.DOUBLE);
    assertTrue(net.score(new org.nd4j.linalg.dataset.DataSet(input, labels)) > 0,
        "the check must run on a batch with non-zero loss");
    assertTrue(TinyNets.gradientsPass(net, input, labels));
  }

  @Test
  void passesDl4jGradientCheckWithAClusterOfOneExample() {
    Nd4j.getRandom().setSeed(43);
    MultiLayerNetwork net = TinyNets.network(new MagnetLoss(1.0));
    int[] clusters = {0, 0, 0, 1, 2, 2, 2, 3, 3};
    int[] classes = {0, 0, 0, 1, 2, 2, 2, 0, 0};
    INDArray input = Nd4j.rand(DataType.DOUBLE, 9, TinyNets.INPUTS).subi(0.5).muli(4);
    assertTrue(TinyNets.gradientsPass(net, input, MagnetLoss.labels(clusters, classes, DataType.DOUBLE)));
  }

  @Test
  void oneClassOnlyGivesAnExplicitZeroLossAndGradient() {
    double[][] points = circle(1.0);
    int[] oneClass = new int[12];
    assertZeroLossAndGradient(MagnetLoss.compute(points, CIRCLE_CLUSTERS, oneClass, 1.0, true), 12, 2);
  }

  @Test
  void allPointsEqualGiveAFiniteLossAndZeroGradient() {
    double[][] points = new double[12][2];
    for (double[] row : points) {
      row[0] = 3;
      row[1] = -1;
    }
    MagnetLoss.BatchLoss result = MagnetLoss.compute(points, CIRCLE_CLUSTERS, CIRCLE_CLASSES, 1.0, true);
    // Every distance is 0: ℓ = α + log(number of other-class clusters).
    for (int i = 0; i < 12; i++) {
      double others = CIRCLE_CLASSES[i] == 0 ? 2 : 3; // class 0 owns 2 of the 4 clusters
      assertEquals(1.0 + Math.log(others), result.losses()[i], 1e-12);
      assertArrayEquals(new double[2], result.gradient()[i]);
    }
    assertEquals(MagnetLoss.VARIANCE_FLOOR, result.variance());
  }

  @Test
  void singleExampleBatchIsZeroNotNaN() {
    MagnetLoss.BatchLoss result = MagnetLoss.compute(new double[][] {{1, 2}}, new int[] {0}, new int[] {0}, 1.0, true);
    assertZeroLossAndGradient(result, 1, 2);
  }

  @Test
  void clusterOfOneExampleIsFinite() {
    double[][] points = {{0, 0}, {0.5, 0.1}, {3, 3}, {-2, 1}, {-2.2, 1.3}};
    int[] clusters = {0, 0, 1, 2, 2};
    int[] classes = {0, 0, 1, 2, 2};
    MagnetLoss.BatchLoss result = MagnetLoss.compute(points, clusters, classes, 1.0, true);
    assertArrayEquals(reference(points, clusters, classes, 1.0), result.losses(), 1e-12);
    for (double[] row : result.gradient()) {
      for (double v : row) {
        assertTrue(Double.isFinite(v));
      }
    }
  }

  @Test
  void largeEmbeddingsStayFiniteAndTheLossIsScaleInvariant() {
    // An impostor: example 0 of class 0 sits on class 1's cluster, far from its own. At norm 1e3
    // every exp(−d/2σ²) underflows to 0, so a naive denominator would give log(0) = −∞.
    double[][] small = {{1.0, 0}, {-1.0, 0.001}, {-1.0, -0.001}, {1.0, 0.001}, {1.0, -0.001}, {1.0, 0.002}};
    int[] clusters = {0, 0, 0, 1, 1, 1};
    int[] classes = {0, 0, 0, 1, 1, 1};
    double[] expected = reference(small, clusters, classes, 1.0);
    double scale = 1e3;
    double[][] large = new double[small.length][2];
    for (int i = 0; i < small.length; i++) {
      large[i][0] = small[i][0] * scale + 5e2;
      large[i][1] = small[i][1] * scale;
    }
    MagnetLoss.BatchLoss result = MagnetLoss.compute(large, clusters, classes, 1.0, true);
    assertArrayEquals(expected, result.losses(), 1e-9);
    assertTrue(result.losses()[0] > 1, "the impostor keeps a large finite loss");
    MagnetLoss.BatchLoss unit = MagnetLoss.compute(small, clusters, classes, 1.0, true);
    for (int i = 0; i < small.length; i++) {
      for (int e = 0; e < 2; e++) {
        assertEquals(unit.gradient()[i][e] / scale, result.gradient()[i][e], 1e-9);
      }
    }
    // And far beyond: norm 1e6 in float.
    INDArray huge = Nd4j.create(large).muli(1e3).castTo(DataType.FLOAT);
    double score = new MagnetLoss(1.0).computeScore(
        MagnetLoss.labels(clusters, classes, DataType.FLOAT), huge, IDENTITY, null, true);
    assertEquals(mean(expected), score, 1e-3);
  }

  @Test
  void maskedExamplesDoNotTakePart() {
    double[][] points = circle(1.0);
    double[] mask = new double[12];
    java.util.Arrays.fill(mask, 1);
    mask[11] = 0;
    MagnetLoss loss = new MagnetLoss(1.0);
    INDArray scores = loss.computeScoreArray(
        MagnetLoss.labels(CIRCLE_CLUSTERS, CIRCLE_CLASSES, DataType.DOUBLE),
        Nd4j.create(points), IDENTITY, Nd4j.create(mask, new long[] {12, 1}));
    double[] first11 = reference(java.util.Arrays.copyOf(points, 11),
        java.util.Arrays.copyOf(CIRCLE_CLUSTERS, 11), java.util.Arrays.copyOf(CIRCLE_CLASSES, 11), 1.0);
    double[] actual = scores.reshape(-1).toDoubleVector();
    assertArrayEquals(first11, java.util.Arrays.copyOf(actual, 11), 1e-12);
    assertEquals(0.0, actual[11]);
  }

  @Test
  void badInputIsRejectedWithTheValue() {
    MagnetLoss loss = new MagnetLoss();
    INDArray out = Nd4j.create(circle(1.0));
    IllegalArgumentException wrongWidth = assertThrows(IllegalArgumentException.class,
        () -> loss.computeScore(Nd4j.zeros(12, 1), out, IDENTITY, null, true));
    assertTrue(wrongWidth.getMessage().contains("shape=[12, 1]"), wrongWidth.getMessage());
    int[] mixed = CIRCLE_CLASSES.clone();
    mixed[5] = 2;
    IllegalArgumentException twoClasses = assertThrows(IllegalArgumentException.class,
        () -> loss.computeScore(MagnetLoss.labels(CIRCLE_CLUSTERS, mixed, DataType.DOUBLE), out, IDENTITY, null, true));
    assertEquals("cluster 1 holds examples of two classes: 0 and 2", twoClasses.getMessage());
    IllegalArgumentException alpha = assertThrows(IllegalArgumentException.class, () -> new MagnetLoss(-1));
    assertEquals("alpha must be finite and >= 0; alpha=-1.0", alpha.getMessage());
    IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class,
        () -> loss.computeScore(Nd4j.create(new double[][] {{0.5, 0}, {1, 0}}), Nd4j.zeros(2, 2), IDENTITY, null, true));
    assertEquals("cluster key must be an integer; row=0, value=0.5", fraction.getMessage());
  }

  @Test
  void survivesJsonAndModelSerializerRoundTrips() throws Exception {
    Nd4j.getRandom().setSeed(44);
    TinyNets.assertRoundTrips(new MagnetLoss(0.5), MagnetLoss.labels(CIRCLE_CLUSTERS, CIRCLE_CLASSES, DataType.DOUBLE));
  }
}
