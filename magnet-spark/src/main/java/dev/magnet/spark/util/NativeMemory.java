package dev.magnet.spark.util;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the memory glibc's malloc keeps after ND4J frees its arrays back to the system, with
 * {@code malloc_trim(0)}.
 *
 * <p>ND4J's CPU arrays are allocated with malloc by libnd4j and freed when their Java objects are
 * collected. glibc keeps freed chunks in its arenas' heaps (64 MiB mappings beside the main heap)
 * for later allocations, so a JVM's resident memory stays at its highest even when most of it is
 * free: a full Fashion-MNIST run's "native rest" held 625 MiB in ten such heaps
 * (docs/benchmarks.md, "Native arrays freed when done with"). {@code malloc_trim(0)} returns the
 * free pages of every arena (glibc 2.8 and later). Called by the trainer between the phases of an
 * epoch; a no-op, logged once, where the C library has no {@code malloc_trim} (not Linux, or
 * another libc such as musl). JNA (already on the class path with ND4J) makes the call: Java 17
 * has no foreign-function API without an incubator module.
 */
public final class NativeMemory {
  private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);
  private static volatile LibC libc;
  private static volatile boolean unavailable;

  private NativeMemory() {}

  /** glibc's malloc_trim. */
  interface LibC extends Library {
    int malloc_trim(NativeLong pad);
  }

  /**
   * Returns the free memory of malloc's arenas to the system.
   *
   * @return whether any was returned; false also where it cannot be asked
   */
  public static boolean trim() {
    LibC c = library();
    return c != null && c.malloc_trim(new NativeLong(0)) == 1;
  }

  /** Whether this JVM's C library has {@code malloc_trim}. */
  static boolean available() {
    return library() != null;
  }

  private static LibC library() {
    if (libc != null || unavailable) {
      return libc;
    }
    synchronized (NativeMemory.class) {
      if (libc == null && !unavailable) {
        try {
          LibC loaded = (LibC) Native.loadLibrary("c", LibC.class);
          loaded.malloc_trim(new NativeLong(0));
          libc = loaded;
        } catch (LinkageError | RuntimeException e) {
          unavailable = true;
          LOG.info("malloc_trim is not available here ({}): freed native memory stays with malloc", e.toString());
        }
      }
    }
    return libc;
  }
}
