package dev.magnet.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class LabelledDatasetTest {
  private static final List<String> ABC = List.of("a", "b", "c");

  /** Row i of the [n, 2] features is (i, 10 i), so rows can be recognised after reordering. */
  private static INDArray rows(int n) {
    float[] values = new float[2 * n];
    for (int i = 0; i < n; i++) {
      values[2 * i] = i;
      values[2 * i + 1] = 10 * i;
    }
    return Nd4j.create(values, new long[] {n, 2}, DataType.FLOAT);
  }

  private static String message(Runnable action) {
    return assertThrows(IllegalArgumentException.class, action::run).getMessage();
  }

  @Test
  void reportsSizeClassesAndPerExampleShape() {
    LabelledDataset vectors = LabelledDataset.of(rows(4), new int[] {0, 1, 2, 2}, ABC, "v");
    assertEquals(4, vectors.size());
    assertEquals(3, vectors.numClasses());
    assertArrayEquals(new long[] {2}, vectors.featureShape());
    assertArrayEquals(new int[] {1, 1, 2}, vectors.classCounts());
    assertEquals("v", vectors.description());
    assertFalse(vectors.hasFineLabels());

    LabelledDataset images =
        LabelledDataset.of(Nd4j.zeros(DataType.FLOAT, 2, 1, 3, 4), new int[] {0, 1}, ABC, "i");
    assertArrayEquals(new long[] {1, 3, 4}, images.featureShape());
  }

  @Test
  void convertsFeaturesToFloat() {
    INDArray doubles = Nd4j.create(new double[][] {{1.5, 2}, {3, 4}});
    LabelledDataset data = LabelledDataset.of(doubles, new int[] {0, 1}, ABC, "d");
    assertEquals(DataType.FLOAT, data.features().dataType());
    assertEquals(1.5f, data.features().getFloat(0, 0));
  }

  @Test
  void rejectsLabelCountThatDiffersFromFeatures() {
    assertEquals("labels and features differ in count: 10!=9",
        message(() -> LabelledDataset.of(rows(9), new int[10], ABC, "x")));
  }

  @Test
  void rejectsLabelOutOfRangeNamingIndexAndValue() {
    assertEquals("labels must be in [0, 3); labels[2]=3",
        message(() -> LabelledDataset.of(rows(3), new int[] {0, 1, 3}, ABC, "x")));
    assertEquals("labels must be in [0, 3); labels[0]=-1",
        message(() -> LabelledDataset.of(rows(3), new int[] {-1, 1, 2}, ABC, "x")));
  }

  @Test
  void rejectsNonFiniteFeaturesNamingFirstBadExample() {
    INDArray nan = rows(5);
    nan.putScalar(3, 1, Float.NaN);
    nan.putScalar(4, 0, Float.NaN);
    assertEquals("features must be finite; first bad example index=3 value=NaN",
        message(() -> LabelledDataset.of(nan, new int[5], ABC, "x")));
    INDArray inf = Nd4j.zeros(DataType.FLOAT, 3, 1, 2, 2);
    inf.putScalar(new long[] {1, 0, 1, 1}, Float.NEGATIVE_INFINITY);
    assertEquals("features must be finite; first bad example index=1 value=-Infinity",
        message(() -> LabelledDataset.of(inf, new int[3], ABC, "x")));
  }

  @Test
  void rejectsBadShapesNamesAndFineLabels() {
    assertEquals("features must be 2-D [n, d] or 4-D [n, c, h, w]; shape=[2, 3, 4]",
        message(() -> LabelledDataset.of(Nd4j.zeros(DataType.FLOAT, 2, 3, 4), new int[2], ABC,
            "x")));
    assertEquals("label names must be distinct; duplicate=a",
        message(() -> LabelledDataset.of(rows(2), new int[2], List.of("a", "b", "a"), "x")));
    assertEquals("fine labels and features differ in count: 1!=2",
        message(() -> LabelledDataset.of(rows(2), new int[2], ABC, new int[1], "x")));
    assertEquals("fine labels must be non-negative; fineLabels[1]=-4",
        message(() -> LabelledDataset.of(rows(2), new int[2], ABC, new int[] {0, -4}, "x")));
  }

  @Test
  void copiesArraysOnTheWayInAndOut() {
    INDArray features = rows(3);
    int[] labels = {0, 1, 2};
    int[] fine = {5, 6, 7};
    LabelledDataset data = LabelledDataset.of(features, labels, ABC, fine, "x");
    features.putScalar(0, 0, 99f);
    labels[0] = 2;
    fine[0] = 9;
    data.features().putScalar(1, 0, 99f);
    data.labels()[1] = 0;
    data.fineLabels()[1] = 0;
    assertEquals(rows(3), data.features());
    assertArrayEquals(new int[] {0, 1, 2}, data.labels());
    assertArrayEquals(new int[] {5, 6, 7}, data.fineLabels());
  }

  @Test
  void subsetKeepsRowsLabelsAndFineLabelsInIndexOrder() {
    LabelledDataset data =
        LabelledDataset.of(rows(5), new int[] {0, 1, 2, 0, 1}, ABC, new int[] {10, 11, 12, 13, 14},
            "x");
    LabelledDataset sub = data.subset(new int[] {4, 1, 4});
    assertEquals(Nd4j.create(new float[][] {{4, 40}, {1, 10}, {4, 40}}), sub.features());
    assertArrayEquals(new int[] {1, 1, 1}, sub.labels());
    assertArrayEquals(new int[] {14, 11, 14}, sub.fineLabels());
    assertEquals(ABC, sub.labelNames());
    assertEquals("subset indices must be in [0, 5); indices[1]=5",
        message(() -> data.subset(new int[] {0, 5})));
  }

  @Test
  void subsetOfImagesKeepsTheirShape() {
    INDArray images = Nd4j.arange(2 * 3 * 2 * 2).castTo(DataType.FLOAT).reshape(2, 3, 2, 2);
    LabelledDataset data = LabelledDataset.of(images, new int[] {0, 1}, ABC, "x");
    LabelledDataset sub = data.subset(new int[] {1});
    assertArrayEquals(new long[] {1, 3, 2, 2}, sub.features().shape());
    assertEquals(images.get(NDArrayIndex.interval(1, 2)),
        sub.features());
  }

  @Test
  void withLabelsKeepsOldLabelsAsFineLabels() {
    LabelledDataset data = LabelledDataset.of(rows(4), new int[] {0, 1, 2, 1}, ABC, "x");
    LabelledDataset coarse =
        data.withLabels(new int[] {0, 1, 1, 1}, List.of("a", "b or c"));
    assertEquals(2, coarse.numClasses());
    assertArrayEquals(new int[] {0, 1, 1, 1}, coarse.labels());
    assertArrayEquals(new int[] {0, 1, 2, 1}, coarse.fineLabels());
    assertEquals(data.features(), coarse.features());
    assertTrue(coarse.description().startsWith("x "));
    assertEquals("labels must be in [0, 2); labels[2]=2",
        message(() -> data.withLabels(new int[] {0, 1, 2, 1}, List.of("a", "b"))));
  }

  @Test
  void fineLabelsOfDataWithoutThemIsAnError() {
    LabelledDataset data = LabelledDataset.of(rows(2), new int[2], ABC, "plain");
    IllegalStateException e = assertThrows(IllegalStateException.class, data::fineLabels);
    assertEquals("data set has no fine labels; description=plain", e.getMessage());
  }
}
