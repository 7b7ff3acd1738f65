package dev.magnet.core.matrix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class MatricesTest {
  @Test
  void floatArrayEqualsNd4jsOwnCreateAndNamesAWrongShape() {
    float[] values = new float[2 * 3 * 4];
    for (int i = 0; i < values.length; i++) {
      values[i] = i * 0.5f - 3;
    }
    assertEquals(Nd4j.create(values, new long[] {2, 3, 4}, 'c'), Matrices.fromFloats(values, 2, 3, 4));
    assertEquals(Nd4j.create(values, new long[] {6, 4}, 'c'), Matrices.fromFloats(values, 6, 4));
    assertEquals(0, Matrices.fromFloats(new float[0], 0, 4).length());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Matrices.fromFloats(values, 5, 4));
    assertEquals("shape [5, 4] holds 20 values; values=24", e.getMessage());
  }

  @Test
  void rowsEqualND4JsOwnCopyForDenseArraysViewsAndOtherOrders() {
    INDArray m = Nd4j.rand(DataType.FLOAT, 7, 5);
    INDArray[] cases = {m, m.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 6),
        org.nd4j.linalg.indexing.NDArrayIndex.all()), m.transpose(), m.dup('f'), m.castTo(DataType.DOUBLE)};
    for (INDArray c : cases) {
      double[][] expected = c.toDoubleMatrix();
      double[][] rows = Matrices.toDoubleRows(c);
      float[][] floats = Matrices.toFloatRows(c);
      assertEquals(expected.length, rows.length);
      for (int i = 0; i < expected.length; i++) {
        assertArrayEquals(expected[i], rows[i]);
        assertArrayEquals(c.getRow(i).toFloatVector(), floats[i]);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> Matrices.toDoubleRows(Nd4j.rand(DataType.FLOAT, 2, 3, 4)));
  }

  @Test
  void floatRowsRoundTripAndUnequalRowsAreNamed() {
    float[][] rows = {{1, 2, 3}, {4, 5, 6}};
    INDArray m = Matrices.fromFloatRows(rows);
    assertEquals(Nd4j.create(new float[][] {{1, 2, 3}, {4, 5, 6}}), m);
    assertArrayEquals(rows, Matrices.toFloatRows(m));
    assertEquals("rows differ in length: 2!=3 at row 1",
        assertThrows(IllegalArgumentException.class, () -> Matrices.fromFloatRows(new float[][] {{1, 2, 3}, {4, 5}}))
            .getMessage());
  }
}
