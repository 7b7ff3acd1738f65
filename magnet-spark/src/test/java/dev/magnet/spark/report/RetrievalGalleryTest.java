package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.magnet.core.matrix.Matrices;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the retrieval gallery of {@code evaluate --report} chooses: the worst failures ranked by the
 * stated score (nearest same-label distance minus nearest other-label distance), against hand-worked
 * points on a line and a plain-loop reference on seeded random points, with and without leaving the
 * query out; the sampled queries' neighbours against the same reference.
 */
class RetrievalGalleryTest {
  private static INDArray column(double... xs) {
    float[][] rows = new float[xs.length][];
    for (int i = 0; i < xs.length; i++) {
      rows[i] = new float[] {(float) xs[i]};
    }
    return Matrices.fromFloatRows(rows);
  }

  @Test
  void failuresAreRankedByTheMarginTheyMissBy() {
    // References: A at 0 and 1, B at 10 and 11.
    INDArray refs = column(0, 1, 10, 11);
    int[] refLabels = {0, 0, 1, 1};
    // Query 0 is right; the others miss by 7 (9 -> B at 10, A at 1), 6 (2.5), 0.2 (5.4) and 9.2 (10.6).
    INDArray queries = column(0.4, 9, 2.5, 5.4, 10.6);
    int[] labels = {0, 0, 1, 1, 0};
    RetrievalGallery.Selection s = RetrievalGallery.select(queries, labels, refs, refLabels, false, 7);
    assertEquals(4, s.failed());
    assertEquals(5, s.queries());
    assertEquals(List.of(4, 1, 2, 3), s.failures().stream().map(RetrievalGallery.Row::query).toList());
    double[] scores = s.failures().stream().mapToDouble(RetrievalGallery.Row::score).toArray();
    assertArrayEquals(new double[] {9.2, 7, 6, 0.2}, scores, 1e-5);
    RetrievalGallery.Row worst = s.failures().get(0);
    assertEquals(1, worst.nearestSame(), "10.6's nearest A is at 1");
    assertArrayEquals(new int[] {3, 2, 1, 0}, worst.neighbours(), "its neighbours, nearest first");
    assertEquals(5, s.sampled().size(), "fewer queries than the sample: all of them");
  }

  @Test
  void agreesWithAPlainLoopOnRandomPointsLeavingEachQueryOut() {
    SplittableRandom random = new SplittableRandom(11);
    int n = 300;
    float[][] points = new float[n][3];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(4);
      for (int e = 0; e < 3; e++) {
        points[i][e] = (float) (labels[i] * 0.8 + random.nextGaussian());
      }
    }
    INDArray m = Matrices.fromFloatRows(points);
    RetrievalGallery.Selection s = RetrievalGallery.select(m, labels, m, labels, true, 5);

    List<double[]> expected = new ArrayList<>(); // {query, score}
    for (int q = 0; q < n; q++) {
      int nearest = -1;
      double same = Double.POSITIVE_INFINITY;
      double other = Double.POSITIVE_INFINITY;
      for (int j = 0; j < n; j++) {
        if (j == q) {
          continue;
        }
        double d = distance(points[q], points[j]);
        if (nearest < 0 || d < distance(points[q], points[nearest])) {
          nearest = j;
        }
        if (labels[j] == labels[q]) {
          same = Math.min(same, d);
        } else {
          other = Math.min(other, d);
        }
      }
      if (labels[nearest] != labels[q]) {
        expected.add(new double[] {q, same - other});
      }
    }
    expected.sort(Comparator.<double[]>comparingDouble(e -> -e[1]).thenComparingDouble(e -> e[0]));
    assertEquals(expected.size(), s.failed());
    assertEquals(RetrievalGallery.FAILURES, s.failures().size());
    for (int i = 0; i < RetrievalGallery.FAILURES; i++) {
      RetrievalGallery.Row row = s.failures().get(i);
      assertEquals((int) expected.get(i)[0], row.query(), "failure " + i);
      assertEquals(expected.get(i)[1], row.score(), 1e-4, "failure " + i);
      assertEquals(RetrievalGallery.NEIGHBOURS, row.neighbours().length);
      assertEquals(labels[row.query()], labels[row.nearestSame()], "the nearest same-label example has the label");
    }
    assertEquals(RetrievalGallery.QUERIES, s.sampled().size());
    for (RetrievalGallery.Row row : s.sampled()) {
      int q = row.query();
      int[] byDistance = java.util.stream.IntStream.range(0, n).filter(j -> j != q).boxed()
          .sorted(Comparator.<Integer>comparingDouble(j -> distance(points[q], points[j])).thenComparingInt(j -> j))
          .limit(RetrievalGallery.NEIGHBOURS).mapToInt(Integer::intValue).toArray();
      assertArrayEquals(byDistance, row.neighbours(), "the neighbours of query " + q + ", itself left out");
      for (int i = 0; i < byDistance.length; i++) {
        assertEquals(distance(points[q], points[byDistance[i]]), row.distances()[i], 1e-4);
      }
    }
  }

  private static double distance(float[] a, float[] b) {
    double sum = 0;
    for (int e = 0; e < a.length; e++) {
      sum += (a[e] - b[e]) * (double) (a[e] - b[e]);
    }
    return Math.sqrt(sum);
  }
}
