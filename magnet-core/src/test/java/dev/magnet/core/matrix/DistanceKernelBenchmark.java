package dev.magnet.core.matrix;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Why the distance kernel's block product goes through {@link DoubleProducts} (docs/benchmarks.md,
 * "The serial collector and the distance kernel"): a block of 128 queries by 60,000 references of
 * width 32 in double, with ND4J's {@code mmul} and with {@code cblas_dgemm}, in milliseconds a
 * block, and how many of the products differ. One native thread ({@code OMP_NUM_THREADS=1}); the
 * machine is shared and noisy.
 *
 * <p>Arguments: queries, references, width (default 128 60000 32).
 */
public final class DistanceKernelBenchmark {
  private static final int REPEATS = 3;
  private static final int ITERATIONS = 10;

  private DistanceKernelBenchmark() {}

  public static void main(String[] args) {
    int q = args.length > 0 ? Integer.parseInt(args[0]) : 128;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 60_000;
    int d = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    Nd4j.getRandom().setSeed(1);
    INDArray references = Nd4j.rand(DataType.DOUBLE, n, d);
    INDArray queries = Nd4j.rand(DataType.DOUBLE, q, d);
    INDArray transposed = references.transpose();
    for (int r = 0; r < REPEATS; r++) {
      INDArray viaNd4j = null;
      long start = System.nanoTime();
      for (int i = 0; i < ITERATIONS; i++) {
        viaNd4j = queries.mmul(transposed);
      }
      long middle = System.nanoTime();
      INDArray viaBlas = null;
      for (int i = 0; i < ITERATIONS; i++) {
        viaBlas = DoubleProducts.timesTransposed(queries, references);
      }
      long end = System.nanoTime();
      double[] a = viaNd4j.data().asDouble();
      double[] b = viaBlas.data().asDouble();
      int differ = 0;
      for (int i = 0; i < a.length; i++) {
        differ += a[i] == b[i] ? 0 : 1;
      }
      System.out.printf("%d x %d by %d: mmul %.1f ms, cblas_dgemm %.1f ms a block; %d of %d products differ%n",
          q, d, n, (middle - start) / 1e6 / ITERATIONS, (end - middle) / 1e6 / ITERATIONS, differ, a.length);
    }
  }
}
