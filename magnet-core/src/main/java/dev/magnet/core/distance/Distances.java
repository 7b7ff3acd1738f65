package dev.magnet.core.distance;

import dev.magnet.core.matrix.DoubleProducts;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.matrix.NativeArrays;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.function.ObjIntConsumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Squared Euclidean distances between query rows [q, d] and reference rows [n, d], computed with
 * ND4J matrix products as {@code ||x||² − 2x·c + ||c||²} in double precision, one block of query
 * rows at a time so that memory stays bounded by a few copies of a {@code blockRows × n} block (a
 * 10k × 60k search with the default block holds about 60 MB per copy, whatever the query count). Rounding can make the expansion slightly
 * negative for coincident points; results are clamped at 0.
 *
 * <p>This is the one place that checks and reports embedding dimension mismatches, with the message
 * {@code "embedding dimensions differ: 128!=64"}.
 */
public final class Distances {

  /** Query rows per block: 128 rows × 60k references × 8 bytes ≈ 60 MB, small next to the heap. */
  public static final int DEFAULT_BLOCK_ROWS = 128;

  private Distances() {}

  /** ‖a − b‖² of two plain vectors: the loops' and the per-example kernels' one definition. */
  public static double squared(double[] a, double[] b) {
    double sum = 0;
    for (int e = 0; e < a.length; e++) {
      double d = a[e] - b[e];
      sum += d * d;
    }
    return sum;
  }

  /**
   * Calls {@code consumer} with each block of distances, in query order: the block is
   * {@code double[rows][n]} and the int is the row of its first query.
   */
  public static void forEachBlock(INDArray queries, INDArray references, int blockRows,
      ObjIntConsumer<double[][]> consumer) {
    Matrices.checkMatrix(queries, "queries");
    Matrices.checkMatrix(references, "references");
    checkSameDimension(queries, references);
    checkBlockRows(blockRows);
    References prepared = prepare(references);
    int q = Math.toIntExact(queries.rows());
    try {
      for (int start = 0; start < q; start += blockRows) {
        int end = Math.min(q, start + blockRows);
        INDArray d2 = prepared.squaredDistances(queries.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()));
        consumer.accept(clampedRows(d2, end - start, prepared.n), start);
        d2.close();
      }
    } finally {
      prepared.close();
    }
  }

  /**
   * The references in the form every block needs (double precision, transposed, squared norms),
   * for a caller that measures many batches of queries against the same references.
   */
  public static References prepare(INDArray references) {
    Matrices.checkMatrix(references, "references");
    if (references.rows() == 0) {
      throw new IllegalArgumentException("references must have at least one row; rows=0");
    }
    return new References(references);
  }

  /** Reference rows prepared once for {@link References#squaredDistances}; read-only, so shareable. */
  public static final class References {
    private final int n;
    private final long dimension;
    /** The references as a dense row-major double matrix ({@link DoubleProducts}). */
    private final INDArray refs;
    private final INDArray norms;
    /** The double copy of the references, or null where they were double already. */
    private final INDArray copy;
    private final INDArray sums;

    private References(INDArray references) {
      this.n = Math.toIntExact(references.rows());
      this.dimension = references.columns();
      INDArray refs = denseDoubles(references);
      this.copy = refs == references ? null : refs;
      this.refs = refs;
      INDArray squares = refs.mul(refs);
      this.sums = squares.sum(1);
      this.norms = sums.reshape(1, n);
      squares.close();
    }

    /**
     * Frees the native arrays these references made (not the caller's rows), for the one caller
     * that prepares and drops them in one call: ND4J would free them only when the garbage
     * collector gets to their objects (docs/benchmarks.md, "Where the memory goes").
     */
    private void close() {
      NativeArrays.close(sums, copy);
    }

    /**
     * The [q, n] double matrix of squared distances from {@code queries} to these references, by
     * the expansion, not clamped: rounding can leave a coincident pair slightly below 0. For
     * callers that keep working in ND4J; bound q yourself ({@link Distances#forEachBlock} does).
     */
    public INDArray squaredDistances(INDArray queries) {
      checkDimension(queries.columns(), dimension);
      INDArray block = denseDoubles(queries);
      INDArray squares = block.mul(block);
      INDArray blockSums = squares.sum(1);
      INDArray d2 = DoubleProducts.timesTransposed(block, refs).muli(-2.0)
          .addiColumnVector(blockSums.reshape(block.rows(), 1)).addiRowVector(norms);
      squares.close();
      NativeArrays.close(blockSums);
      if (block != queries) {
        NativeArrays.close(block);
      }
      return d2;
    }
  }

  /** The full [q, n] distance matrix, computed in blocks of {@code blockRows} query rows. */
  public static double[][] squaredDistances(INDArray queries, INDArray references, int blockRows) {
    double[][] all = new double[Math.toIntExact(queries.rows())][];
    forEachBlock(queries, references, blockRows,
        (block, first) -> System.arraycopy(block, 0, all, first, block.length));
    return all;
  }

  /** The full [q, n] distance matrix with the default block size; for small inputs. */
  public static double[][] squaredDistances(INDArray queries, INDArray references) {
    return squaredDistances(queries, references, DEFAULT_BLOCK_ROWS);
  }

  /**
   * The {@code k} nearest references of each query. With {@code leaveOneOut} the queries must be
   * the references themselves and each query's own row is not a candidate.
   */
  public static Neighbours nearest(INDArray queries, INDArray references, int k, boolean leaveOneOut,
      int blockRows) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive; k=" + k);
    }
    if (leaveOneOut && queries.rows() != references.rows()) {
      throw new IllegalArgumentException("leave-one-out needs the queries to be the references; queries="
          + queries.rows() + ", references=" + references.rows());
    }
    int q = Math.toIntExact(queries.rows());
    int[][] indices = new int[q][];
    double[][] distances = new double[q][];
    forEachBlock(queries, references, blockRows, (block, first) -> {
      for (int i = 0; i < block.length; i++) {
        int self = leaveOneOut ? first + i : -1;
        int[] top = topK(block[i], k, self);
        double[] d = new double[top.length];
        for (int j = 0; j < top.length; j++) {
          d[j] = block[i][top[j]];
        }
        indices[first + i] = top;
        distances[first + i] = d;
      }
    });
    return new Neighbours(indices, distances);
  }

  /** {@link #nearest(INDArray, INDArray, int, boolean, int)} with the default block size. */
  public static Neighbours nearest(INDArray queries, INDArray references, int k, boolean leaveOneOut) {
    return nearest(queries, references, k, leaveOneOut, DEFAULT_BLOCK_ROWS);
  }

  /**
   * Indices of the {@code k} smallest entries of {@code row}, smallest first, ties by index,
   * skipping {@code excluded} (pass -1 to skip nothing). Uses a bounded max-heap: O(n log k).
   */
  public static int[] topK(double[] row, int k, int excluded) {
    int candidates = row.length - (excluded >= 0 && excluded < row.length ? 1 : 0);
    int size = Math.min(k, candidates);
    int[] heap = new int[size];
    int filled = 0;
    for (int j = 0; j < row.length && size > 0; j++) {
      if (j == excluded) {
        continue;
      }
      if (filled < size) {
        heap[filled] = j;
        siftUp(heap, filled++, row);
      } else if (before(j, heap[0], row)) {
        heap[0] = j;
        siftDown(heap, size, row);
      }
    }
    // Heap sort in place: the largest goes last, then the heap shrinks by one. before() is a total
    // order (distance, then index), so this is the order a sort by it gives, without boxing.
    for (int last = size - 1; last > 0; last--) {
      swap(heap, 0, last);
      siftDown(heap, last, row);
    }
    return heap;
  }

  /**
   * {@code m} itself when it is a dense row-major double matrix ({@link Matrices#dense}), else one
   * that is, made in at most two steps (the cast, then the copy), the first freed when the second
   * was needed.
   */
  private static INDArray denseDoubles(INDArray m) {
    INDArray cast = m.castTo(DataType.DOUBLE);
    INDArray dense = Matrices.dense(cast);
    if (cast != m && cast != dense) {
      NativeArrays.close(cast);
    }
    return dense;
  }

  /**
   * The rows of a [rows, n] double matrix, clamped at 0, each copied straight from the native
   * buffer into its row: one copy of the block on the heap, not a flat copy and then the rows.
   */
  private static double[][] clampedRows(INDArray m, int rows, int n) {
    INDArray dense = Matrices.dense(m);
    DoubleBuffer values = dense.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
    double[][] out = new double[rows][n];
    for (int i = 0; i < rows; i++) {
      double[] row = out[i];
      values.get(Math.multiplyExact(i, n), row);
      for (int j = 0; j < n; j++) {
        row[j] = Math.max(0.0, row[j]);
      }
    }
    if (dense != m) {
      dense.close();
    }
    return out;
  }

  private static void checkBlockRows(int blockRows) {
    if (blockRows <= 0) {
      throw new IllegalArgumentException("blockRows must be positive; blockRows=" + blockRows);
    }
  }

  /** Fails with the shared message unless both matrices have the same number of columns. */
  public static void checkSameDimension(INDArray a, INDArray b) {
    checkDimension(a.columns(), b.columns());
  }

  private static void checkDimension(long actual, long expected) {
    if (actual != expected) {
      throw new IllegalArgumentException("embedding dimensions differ: " + actual + "!=" + expected);
    }
  }

  /** True when reference a sorts before b: smaller distance, then smaller index. */
  private static boolean before(int a, int b, double[] row) {
    return row[a] < row[b] || (row[a] == row[b] && a < b);
  }

  private static void siftUp(int[] heap, int i, double[] row) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!before(heap[parent], heap[i], row)) {
        return;
      }
      swap(heap, i, parent);
      i = parent;
    }
  }

  private static void siftDown(int[] heap, int size, double[] row) {
    int i = 0;
    while (true) {
      int largest = i;
      int left = 2 * i + 1;
      int right = left + 1;
      if (left < size && before(heap[largest], heap[left], row)) {
        largest = left;
      }
      if (right < size && before(heap[largest], heap[right], row)) {
        largest = right;
      }
      if (largest == i) {
        return;
      }
      swap(heap, i, largest);
      i = largest;
    }
  }

  private static void swap(int[] heap, int i, int j) {
    int t = heap[i];
    heap[i] = heap[j];
    heap[j] = t;
  }
}
