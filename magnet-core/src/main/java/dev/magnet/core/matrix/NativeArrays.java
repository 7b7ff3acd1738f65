package dev.magnet.core.matrix;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The lifetime of ND4J arrays' native memory, which the Java heap does not see. */
public final class NativeArrays {
  private NativeArrays() {}

  /**
   * Frees the native memory of arrays the caller is done with, now. ND4J frees a dropped array's
   * buffer only when the Java object is collected, and with the heap almost empty (the data lives
   * outside it) that can take gigabytes: one 60k-image epoch with validation peaked above 5 GB RSS,
   * of which a full GC and a {@code malloc_trim} returned 4.6 GB. Nulls, views, workspace arrays
   * and arrays already closed are left alone.
   */
  public static void close(INDArray... arrays) {
    for (INDArray a : arrays) {
      if (a != null && a.closeable()) {
        a.close();
      }
    }
  }
}
