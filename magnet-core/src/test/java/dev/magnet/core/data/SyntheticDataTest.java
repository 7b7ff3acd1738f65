package dev.magnet.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class SyntheticDataTest {
  private static LabelledDataset smallVectors(long seed) {
    return SyntheticData.vectors(3, 2, 10, 8, 4.0, 0.5, seed);
  }

  private static LabelledDataset smallImages(long seed) {
    return SyntheticData.images(3, 2, 10, 28, seed);
  }

  private static String message(Runnable action) {
    return assertThrows(IllegalArgumentException.class, action::run).getMessage();
  }

  /** Rows of the features flattened to [n, values per example]. */
  private static float[][] rows(LabelledDataset data) {
    INDArray features = data.features();
    return features.reshape('c', data.size(), features.length() / data.size()).toFloatMatrix();
  }

  @Test
  void vectorsHaveCoarseLabelsOverFineSubclasses() {
    LabelledDataset data = smallVectors(7);
    assertEquals(60, data.size());
    assertArrayEquals(new long[] {8}, data.featureShape());
    assertArrayEquals(new int[] {20, 20, 20}, data.classCounts());
    assertEquals(3, data.numClasses());
    int[] labels = data.labels();
    int[] fine = data.fineLabels();
    int[] fineCounts = new int[6];
    for (int i = 0; i < fine.length; i++) {
      assertEquals(fine[i] / 2, labels[i], "coarse label of example " + i);
      fineCounts[fine[i]]++;
    }
    assertArrayEquals(new int[] {10, 10, 10, 10, 10, 10}, fineCounts);
    assertTrue(data.description().contains("seed=7"), data.description());
  }

  @Test
  void sameSeedGivesIdenticalDataAndAnotherSeedDifferentData() {
    assertSameData(smallVectors(7), smallVectors(7));
    assertSameData(smallImages(7), smallImages(7));
    assertNotEquals(smallVectors(7).features(), smallVectors(8).features());
    assertNotEquals(smallImages(7).features(), smallImages(8).features());
    assertTrue(!Arrays.equals(smallVectors(7).fineLabels(), smallVectors(8).fineLabels()),
        "the example order depends on the seed");
  }

  private static void assertSameData(LabelledDataset a, LabelledDataset b) {
    assertEquals(a.features(), b.features());
    assertArrayEquals(a.labels(), b.labels());
    assertArrayEquals(a.fineLabels(), b.fineLabels());
  }

  @Test
  void vectorScalesMatchSeparationAndNoise() {
    LabelledDataset data = SyntheticData.vectors(10, 2, 40, 64, 5.0, 1.0, 3);
    Separation s = Separation.of(rows(data), data.fineLabels(), 20);
    assertEquals(1.0, s.meanDistanceToOwnCentroid(), 0.1);
    assertEquals(5.0, s.meanCentroidDistance(), 0.5);
  }

  @Test
  void vectorSubclassesAreSeparable() {
    LabelledDataset data = smallVectors(7);
    Separation s = Separation.of(rows(data), data.fineLabels(), 6);
    assertTrue(s.meanWithin() < s.meanBetween(), s.toString());
    assertEquals(1.0, s.nearestCentroidAccuracy(), s.toString());
  }

  @Test
  void imagesAreGreyNchwInTheUnitInterval() {
    LabelledDataset data = smallImages(11);
    assertEquals(60, data.size());
    assertArrayEquals(new long[] {1, 28, 28}, data.featureShape());
    assertArrayEquals(new int[] {20, 20, 20}, data.classCounts());
    INDArray features = data.features();
    assertTrue(features.minNumber().doubleValue() >= 0.0);
    assertTrue(features.maxNumber().doubleValue() <= 1.0);
    // Patterns on a dark background: bright enough to see, far from filling the image.
    double mean = features.meanNumber().doubleValue();
    assertTrue(mean > 0.05 && mean < 0.5, "mean pixel " + mean);
    assertArrayEquals(new long[] {1, 8, 8}, SyntheticData.images(2, 1, 1, 8, 1).featureShape());
  }

  @Test
  void imageSubclassesAreSeparableByNearestTemplate() {
    LabelledDataset data = smallImages(11);
    Separation s = Separation.of(rows(data), data.fineLabels(), 6);
    assertTrue(s.meanWithin() < s.meanBetween(), s.toString());
    assertTrue(s.nearestCentroidAccuracy() >= 0.95, s.toString());
  }

  @Test
  void invalidArgumentsAreNamed() {
    assertEquals("classes must be >= 2; classes=1",
        message(() -> SyntheticData.vectors(1, 2, 10, 8, 4.0, 0.5, 1)));
    assertEquals("subclassesPerClass must be >= 1; subclassesPerClass=0",
        message(() -> SyntheticData.images(2, 0, 10, 28, 1)));
    assertEquals("perSubclass must be >= 1; perSubclass=-3",
        message(() -> SyntheticData.vectors(2, 1, -3, 8, 4.0, 0.5, 1)));
    assertEquals("dim must be >= 1; dim=0",
        message(() -> SyntheticData.vectors(2, 1, 3, 0, 4.0, 0.5, 1)));
    assertEquals("size must be >= 8; size=7",
        message(() -> SyntheticData.images(2, 1, 3, 7, 1)));
    assertEquals("separation must be positive and finite; separation=0.0",
        message(() -> SyntheticData.vectors(2, 1, 3, 8, 0.0, 0.5, 1)));
    assertEquals("noise must be non-negative and finite; noise=NaN",
        message(() -> SyntheticData.vectors(2, 1, 3, 8, 4.0, Double.NaN, 1)));
    assertEquals("data set must fit in one float array of at most 2147483639 values;"
            + " values=4294967296",
        message(() -> SyntheticData.vectors(2, 1, 65536, 32768, 4.0, 0.5, 1)));
  }

  /** Distances between examples and the centroids of their fine labels. */
  private record Separation(
      double meanWithin,
      double meanBetween,
      double nearestCentroidAccuracy,
      double meanDistanceToOwnCentroid,
      double meanCentroidDistance) {

    static Separation of(float[][] x, int[] fine, int groups) {
      int n = x.length;
      int d = x[0].length;
      double[][] centroids = new double[groups][d];
      int[] counts = new int[groups];
      for (int i = 0; i < n; i++) {
        counts[fine[i]]++;
        for (int j = 0; j < d; j++) {
          centroids[fine[i]][j] += x[i][j];
        }
      }
      for (int g = 0; g < groups; g++) {
        for (int j = 0; j < d; j++) {
          centroids[g][j] /= counts[g];
        }
      }
      double within = 0;
      double between = 0;
      long withinPairs = 0;
      long betweenPairs = 0;
      for (int i = 0; i < n; i++) {
        for (int k = i + 1; k < n; k++) {
          double dist = distance(x[i], x[k]);
          if (fine[i] == fine[k]) {
            within += dist;
            withinPairs++;
          } else {
            between += dist;
            betweenPairs++;
          }
        }
      }
      int correct = 0;
      double toOwn = 0;
      for (int i = 0; i < n; i++) {
        int nearest = 0;
        double best = Double.MAX_VALUE;
        for (int g = 0; g < groups; g++) {
          double dist = distance(x[i], centroids[g]);
          if (dist < best) {
            best = dist;
            nearest = g;
          }
        }
        correct += nearest == fine[i] ? 1 : 0;
        toOwn += distance(x[i], centroids[fine[i]]);
      }
      double centroidDistance = 0;
      int centroidPairs = 0;
      for (int g = 0; g < groups; g++) {
        for (int h = g + 1; h < groups; h++) {
          centroidDistance += distance(centroids[g], centroids[h]);
          centroidPairs++;
        }
      }
      return new Separation(within / withinPairs, between / betweenPairs, (double) correct / n,
          toOwn / n, centroidDistance / centroidPairs);
    }

    private static double distance(float[] a, float[] b) {
      double sum = 0;
      for (int j = 0; j < a.length; j++) {
        sum += (a[j] - b[j]) * (double) (a[j] - b[j]);
      }
      return Math.sqrt(sum);
    }

    private static double distance(float[] a, double[] b) {
      double sum = 0;
      for (int j = 0; j < a.length; j++) {
        sum += (a[j] - b[j]) * (a[j] - b[j]);
      }
      return Math.sqrt(sum);
    }

    private static double distance(double[] a, double[] b) {
      double sum = 0;
      for (int j = 0; j < a.length; j++) {
        sum += (a[j] - b[j]) * (a[j] - b[j]);
      }
      return Math.sqrt(sum);
    }
  }
}
