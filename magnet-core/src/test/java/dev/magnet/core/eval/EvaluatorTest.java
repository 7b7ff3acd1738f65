package dev.magnet.core.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.magnet.core.params.MagnetParams;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EvaluatorTest {

  /** Four fine classes, 3 apart in pairs; coarse = fine / 2, the pairs 30 apart. */
  private static final double[][] FINE_CENTRES = {{0, 0}, {0, 3}, {30, 0}, {30, 3}};
  private static final int PER_CLASS = 6;

  private static double[][] rows(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] rows = new double[FINE_CENTRES.length * PER_CLASS][2];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < 2; j++) {
        rows[i][j] = FINE_CENTRES[i / PER_CLASS][j] + random.nextDouble(-0.5, 0.5);
      }
    }
    return rows;
  }

  private static int[] labels(boolean coarse) {
    int[] labels = new int[FINE_CENTRES.length * PER_CLASS];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = coarse ? i / PER_CLASS / 2 : i / PER_CLASS;
    }
    return labels;
  }

  private static LabelledEmbeddings set(long seed) {
    return new LabelledEmbeddings(Nd4j.create(rows(seed)), labels(true));
  }

  private static ClusterClassifier classifier() {
    INDArray centroids = Nd4j.create(FINE_CENTRES);
    return new ClusterClassifier(centroids, new int[] {0, 0, 1, 1}, 2, 1.0, MagnetParams.DEFAULT_L);
  }

  @Test
  void separatedClassesScorePerfectlyOnEveryMetric() {
    Evaluator evaluator = new Evaluator(EnumSet.allOf(Metric.class), 5);
    // A softmax head that is always right, for ARGMAX_ACCURACY.
    EvaluationReport report = evaluator.evaluate(set(1), set(2), classifier(), labels(true), null, null);
    for (Metric metric : Metric.values()) {
      for (String name : metric.names()) {
        assertEquals(1.0, report.get(name), 1e-12, name);
      }
    }
    assertEquals(0.0, report.get(Evaluator.EXCLUDED_QUERIES));
  }

  @Test
  void argmaxAccuracyIsTheShareOfTheSoftmaxPredictionsThatAreRight() {
    int[] predicted = labels(true).clone();
    for (int i = 0; i < 6; i++) {
      predicted[i] = 1 - predicted[i]; // 6 of the 24 test rows wrong
    }
    EvaluationReport report = new Evaluator(Set.of(Metric.ARGMAX_ACCURACY), 5)
        .evaluate(set(1), set(2), null, predicted, null, null);
    assertEquals(List.of("argmax_accuracy"), List.copyOf(report.values().keySet()));
    assertEquals(18.0 / 24, report.get("argmax_accuracy"), 1e-12);
  }

  @Test
  void argmaxAccuracyNeedsOnePredictionPerTestRow() {
    Evaluator evaluator = new Evaluator(Set.of(Metric.ARGMAX_ACCURACY), 5);
    assertEquals("ARGMAX_ACCURACY needs the softmax head's predictions; argmaxPredictions=null",
        assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(set(1), set(2))).getMessage());
    assertEquals("argmax predictions must have one class per test row; predictions=3, test=24",
        assertThrows(IllegalArgumentException.class,
            () -> evaluator.evaluate(set(1), set(2), null, new int[3], null, null)).getMessage());
  }

  @Test
  void computesOnlyWhatIsRequested() {
    EvaluationReport report = new Evaluator(Set.of(Metric.KNN1_ACCURACY, Metric.MAP_AT_R), 5)
        .evaluate(set(1), set(2));
    assertEquals(List.of("knn1_accuracy", "map_at_r", Evaluator.EXCLUDED_QUERIES),
        List.copyOf(report.values().keySet()));
  }

  @Test
  void hierarchyRecoveryScoresAgainstTheFineLabels() {
    EvaluationReport report = new Evaluator(Set.of(Metric.PRECISION_AT_1, Metric.KNN10_ACCURACY, Metric.NMI), 5)
        .evaluate(set(1), set(2), null, labels(false));
    // The fine corners are separated too, so the fine scores are perfect; an embedding that had
    // collapsed each coarse class to a point would score about 1/2 on fine precision instead.
    assertEquals(1.0, report.get("fine_precision_at_1"), 1e-12);
    assertEquals(1.0, report.get("fine_knn10_accuracy"), 1e-12);
    assertEquals(1.0, report.get("fine_nmi"), 1e-12);
    assertEquals(1.0, report.get("knn10_accuracy"), 1e-12);
  }

  @Test
  void fineKnnVotesWithTheTrainingSetsFineLabelsWhenGiven() {
    EvaluationReport report = new Evaluator(Set.of(Metric.KNN1_ACCURACY), 5)
        .evaluate(set(1), set(2), null, labels(false), labels(false));
    assertEquals(1.0, report.get("fine_knn1_accuracy"), 1e-12);
    // Training fine labels shifted by one class: every fine vote is now wrong, which a
    // leave-one-out vote within the test set could not show.
    int[] wrong = labels(false);
    for (int i = 0; i < wrong.length; i++) {
      wrong[i] = (wrong[i] + 1) % FINE_CENTRES.length;
    }
    EvaluationReport shifted = new Evaluator(Set.of(Metric.KNN1_ACCURACY), 5)
        .evaluate(set(1), set(2), null, wrong, labels(false));
    assertEquals(0.0, shifted.get("fine_knn1_accuracy"), 1e-12);
    assertEquals(1.0, shifted.get("knn1_accuracy"), 1e-12);
  }

  @Test
  void collapsedCoarseClassesLoseTheFineStructure() {
    // Every row of a coarse class at the same point: fine neighbours are arbitrary among 11 others
    // of which 5 share the fine label, and ties go to the lowest row. For fine class 0 (rows 0-5)
    // the nearest other row is row 0 or 1 (same fine class); for fine class 1 (rows 6-11) it is
    // row 0 (fine class 0): precision 1/2 per coarse class, 1/2 overall.
    double[][] rows = new double[FINE_CENTRES.length * PER_CLASS][2];
    for (int i = 0; i < rows.length; i++) {
      rows[i][0] = labels(true)[i] * 20;
    }
    LabelledEmbeddings collapsed = new LabelledEmbeddings(Nd4j.create(rows), labels(true));
    EvaluationReport report = new Evaluator(Set.of(Metric.PRECISION_AT_1), 5)
        .evaluate(collapsed, collapsed, null, labels(false));
    assertEquals(1.0, report.get("precision_at_1"), 1e-12);
    assertEquals(0.5, report.get("fine_precision_at_1"), 1e-12);
  }

  @Test
  void rejectsMissingInputsWithRuleAndValue() {
    Evaluator evaluator = new Evaluator(Set.of(Metric.CLUSTER_ACCURACY), 5);
    assertEquals("CLUSTER_ACCURACY needs a cluster classifier; clusterClassifier=null",
        assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(set(1), set(2))).getMessage());
    EvaluationReport report = new Evaluator(Set.of(Metric.NMI), 5).evaluate(set(1), set(2));
    assertEquals("metric must have been computed; name=knn1_accuracy, computed=[nmi]",
        assertThrows(IllegalArgumentException.class, () -> report.get("knn1_accuracy")).getMessage());
  }
}
