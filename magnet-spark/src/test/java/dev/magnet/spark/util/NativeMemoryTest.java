package dev.magnet.spark.util;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NativeMemoryTest {

  /** Resident memory of this JVM, from /proc. */
  private static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IllegalStateException("no VmRSS");
  }

  @Test
  void freedNativeArraysGoBackToTheSystem() throws Exception {
    // glibc on Linux, as on every machine Magnet is tested and run on
    assertTrue(NativeMemory.available(), "malloc_trim found in the C library");
    // Many mid-sized arrays, as ND4J's batches are: malloc serves them from its heaps, not mmap.
    INDArray[] arrays = new INDArray[400];
    for (int i = 0; i < arrays.length; i++) {
      arrays[i] = Nd4j.rand(DataType.FLOAT, 100, 1000); // 400 kB each, 160 MB in all
    }
    // Free all but the last, so the heap's top is still in use and only a trim can return the rest.
    for (int i = 0; i < arrays.length - 1; i++) {
      arrays[i].close();
    }
    long before = rssKb();
    NativeMemory.trim();
    long after = rssKb();
    assertTrue(before - after > 50_000, "trim returned " + (before - after) + " kB of " + before + " kB");
    arrays[arrays.length - 1].close();
  }
}
