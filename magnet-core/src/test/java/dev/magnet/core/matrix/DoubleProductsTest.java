package dev.magnet.core.matrix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class DoubleProductsTest {

  @Test
  void theBlasProductIsTheDotProductsToRounding() {
    Nd4j.getRandom().setSeed(7);
    INDArray a = Nd4j.randn(DataType.DOUBLE, 128, 32);
    INDArray b = Nd4j.randn(DataType.DOUBLE, 3001, 32);
    assertTrue(DoubleProducts.blasPath(a, b));
    INDArray product = DoubleProducts.timesTransposed(a, b);
    assertArrayEquals(new long[] {128, 3001}, product.shape());
    assertProducts(a, b, product);
    // ND4J's own product agrees to rounding too (it differs from OpenBLAS's in the last bit at times)
    assertProducts(a, b, a.mmul(b.transpose()));
  }

  /** Each entry of {@code product} is row i of a · row j of b, to 1e-13 of the sum of the terms' sizes. */
  private static void assertProducts(INDArray a, INDArray b, INDArray product) {
    double[][] x = a.toDoubleMatrix();
    double[][] y = b.toDoubleMatrix();
    double[][] p = product.toDoubleMatrix();
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < y.length; j++) {
        double dot = 0;
        double size = 0;
        for (int k = 0; k < x[i].length; k++) {
          dot += x[i][k] * y[j][k];
          size += Math.abs(x[i][k] * y[j][k]);
        }
        assertEquals(dot, p[i][j], 1e-13 * size, "entry " + i + "," + j);
      }
    }
  }

  @Test
  void viewsAndFloatsGoThroughNd4jWithTheSameResult() {
    Nd4j.getRandom().setSeed(8);
    INDArray whole = Nd4j.randn(DataType.DOUBLE, 40, 16);
    INDArray view = whole.get(NDArrayIndex.interval(5, 25), NDArrayIndex.all());
    INDArray b = Nd4j.randn(DataType.DOUBLE, 30, 16);
    assertFalse(DoubleProducts.blasPath(view, b));
    assertArrayEquals(view.mmul(b.transpose()).data().asDouble(),
        DoubleProducts.timesTransposed(view, b).data().asDouble());
    assertTrue(DoubleProducts.blasPath(view.dup('c'), b));
    assertProducts(view, b, DoubleProducts.timesTransposed(view.dup('c'), b));
    INDArray floats = Nd4j.randn(DataType.FLOAT, 4, 16);
    assertFalse(DoubleProducts.blasPath(floats, b.castTo(DataType.FLOAT)));
    assertEquals(DataType.FLOAT, DoubleProducts.timesTransposed(floats, b.castTo(DataType.FLOAT)).dataType());
  }

  @Test
  void emptyRowsAndMismatchedWidths() {
    INDArray none = Nd4j.create(DataType.DOUBLE, 0, 8);
    assertArrayEquals(new long[] {0, 3}, DoubleProducts.timesTransposed(none, Nd4j.ones(DataType.DOUBLE, 3, 8)).shape());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DoubleProducts.timesTransposed(Nd4j.ones(DataType.DOUBLE, 2, 8), Nd4j.ones(DataType.DOUBLE, 3, 4)));
    assertEquals("inner dimensions differ: 8!=4", e.getMessage());
  }
}
