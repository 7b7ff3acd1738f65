package dev.magnet.core.matrix;

import java.lang.reflect.Array;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.IntFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Conversions between ND4J matrices and Java arrays, each in one bulk copy of the buffer.
 *
 * <p>Embeddings travel as {@code float[]} rows wherever they leave ND4J (Spark records, Parquet,
 * Kryo) and as {@code [rows, dimension]} matrices wherever the core computes on them; these are
 * the only converters between the two. ND4J's own routes are slow: its
 * {@code Nd4j.create(float[], shape, order)} writes one value at a time and {@code toDoubleMatrix()}
 * makes a view and a copy per row, each about ten times slower than one bulk copy
 * (docs/benchmarks.md).
 */
public final class Matrices {
  private Matrices() {}

  /** A c-ordered float array of {@code shape} holding {@code values}. */
  public static INDArray fromFloats(float[] values, long... shape) {
    long length = 1;
    for (long d : shape) {
      length *= d;
    }
    if (length != values.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + length
          + " values; values=" + values.length);
    }
    INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
    if (values.length > 0) {
      a.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values);
    }
    return a;
  }

  /** A {@code [rows, n]} float matrix of equally long rows; an empty list gives {@code [0, 0]}. */
  public static INDArray fromFloatRows(float[][] rows) {
    int n = rows.length == 0 ? 0 : rows[0].length;
    float[] flat = new float[rows.length * n];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i].length != n) {
        throw new IllegalArgumentException("rows differ in length: " + rows[i].length + "!=" + n + " at row " + i);
      }
      System.arraycopy(rows[i], 0, flat, i * n, n);
    }
    return fromFloats(flat, rows.length, n);
  }

  /** The rows of a 2-D matrix as double arrays. */
  public static double[][] toDoubleRows(INDArray m) {
    return split(m, dense(m).data().asDouble(), double[][]::new);
  }

  /** The rows of a 2-D matrix as float arrays. */
  public static float[][] toFloatRows(INDArray m) {
    return split(m, dense(m).data().asFloat(), float[][]::new);
  }

  /** The row-major buffer {@code flat} of {@code m} cut into its rows. */
  private static <R> R[] split(INDArray m, Object flat, IntFunction<R[]> rows) {
    int n = columns(m);
    R[] out = rows.apply(Math.toIntExact(m.rows()));
    for (int i = 0; i < out.length; i++) {
      @SuppressWarnings("unchecked")
      R row = (R) Array.newInstance(flat.getClass().getComponentType(), n);
      System.arraycopy(flat, i * n, row, 0, n);
      out[i] = row;
    }
    return out;
  }

  /** {@code m} itself when its buffer is exactly its elements in row-major order, else a copy that is. */
  public static INDArray dense(INDArray m) {
    return isDense(m) ? m : m.dup('c');
  }

  /** Whether {@code m}'s buffer is exactly its elements in row-major order. */
  public static boolean isDense(INDArray m) {
    return m.ordering() == 'c' && !m.isView() && m.data().length() == m.length();
  }

  /** Fails unless {@code m} is a 2-D matrix. */
  public static void checkMatrix(INDArray m, String name) {
    if (m.rank() != 2) {
      throw new IllegalArgumentException(name + " must be a 2-D matrix; shape=" + Arrays.toString(m.shape()));
    }
  }

  private static int columns(INDArray m) {
    checkMatrix(m, "matrix");
    return Math.toIntExact(m.columns());
  }

  /**
   * Whether every value is finite (neither NaN nor infinite); true for null or empty. The
   * divergence checks run it on a network's parameters after every mini-batch update, so a
   * contiguous float or double array is read in place from its buffer, by hand: that measured
   * several times cheaper than ND4J's {@code notFinite} condition op or a sum (docs/benchmarks.md,
   * "Divergence checks"), and that op misses a NaN in half precision. Other arrays are copied.
   */
  public static boolean allFinite(INDArray values) {
    if (values == null || values.isEmpty()) {
      return true;
    }
    // Contiguous in either order: the elements are exactly [offset, offset + length) of the buffer.
    boolean contiguous = values.elementWiseStride() == 1 && values.offset() + values.length() <= Integer.MAX_VALUE;
    if (contiguous && values.dataType() == DataType.FLOAT) {
      java.nio.FloatBuffer buffer = values.data().asNioFloat();
      for (long i = values.offset(), end = i + values.length(); i < end; i++) {
        if (!Float.isFinite(buffer.get((int) i))) {
          return false;
        }
      }
      return true;
    }
    if (contiguous && values.dataType() == DataType.DOUBLE) {
      java.nio.DoubleBuffer buffer = values.data().asNioDouble();
      for (long i = values.offset(), end = i + values.length(); i < end; i++) {
        if (!Double.isFinite(buffer.get((int) i))) {
          return false;
        }
      }
      return true;
    }
    if (!values.dataType().isFPType()) {
      return true;
    }
    // A view with gaps, or half precision (where ND4J's notFinite condition misses a NaN): a copy.
    return allFinite(values.dataType() == DataType.DOUBLE ? values.dup('c') : values.castTo(DataType.FLOAT).dup('c'));
  }
}
