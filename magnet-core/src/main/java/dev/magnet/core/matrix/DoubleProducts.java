package dev.magnet.core.matrix;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code a · bᵀ} of two double matrices, through OpenBLAS's {@code cblas_dgemm} where ND4J runs on
 * the CPU, else through ND4J's {@code mmul}.
 *
 * <p>Why by hand: for the distance kernel's shape (a block of 128 queries against 60,000
 * references of width 32), ND4J 1.0.0-M2's double {@code mmul} took 115–130 ms a block on the
 * 2-core machine, and {@code cblas_dgemm} 34 ms with a new output each call as the kernel makes
 * it (13.5–14.6 ms into one reused output; {@code DistanceKernelBenchmark} in the tests,
 * docs/benchmarks.md, "The serial collector and the distance kernel"). The two agree to rounding, not always to the
 * bit (on uniform [0, 1) values all 7,680,000 products of a block were equal; on normal values
 * some differ in the last place). OpenBLAS is the BLAS ND4J's CPU backend already loads (the
 * {@code org.bytedeco.openblas} preset), so this adds no
 * library. Only dense row-major double arrays take this path; others, and the CUDA backend, go
 * through {@code mmul}.
 */
public final class DoubleProducts {
  private DoubleProducts() {}

  /** {@code a · bᵀ}: [m, k] by [n, k] into a new [m, n] row-major double matrix. */
  public static INDArray timesTransposed(INDArray a, INDArray b) {
    if (a.columns() != b.columns()) {
      throw new IllegalArgumentException("inner dimensions differ: " + a.columns() + "!=" + b.columns());
    }
    if (!blasPath(a, b)) {
      return a.mmul(b.transpose());
    }
    int m = Math.toIntExact(a.rows());
    int n = Math.toIntExact(b.rows());
    int k = Math.toIntExact(a.columns());
    INDArray c = Nd4j.createUninitialized(DataType.DOUBLE, m, n);
    if (m == 0 || n == 0) {
      return c;
    }
    if (k == 0) {
      return c.assign(0.0);
    }
    openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasTrans, m, n, k, 1.0,
        pointer(a), k, pointer(b), k, 0.0, pointer(c), n);
    return c;
  }

  /** Whether {@link #timesTransposed} of these two goes through {@code cblas_dgemm}. */
  static boolean blasPath(INDArray a, INDArray b) {
    return blasable(a) && blasable(b) && Nd4j.getEnvironment().isCPU();
  }

  /** A double matrix whose buffer is exactly its elements in row-major order ({@link Matrices#dense}). */
  private static boolean blasable(INDArray m) {
    return m.dataType() == DataType.DOUBLE && m.rank() == 2 && Matrices.isDense(m)
        && m.length() <= Integer.MAX_VALUE;
  }

  private static DoublePointer pointer(INDArray m) {
    return new DoublePointer(m.data().addressPointer());
  }
}
