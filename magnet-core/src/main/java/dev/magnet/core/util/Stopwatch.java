package dev.magnet.core.util;

/** Elapsed wall-clock time, for the phase timings of the trainers and jobs. */
public final class Stopwatch {
  private Stopwatch() {}

  /** Seconds since {@code startNanos}, a {@link System#nanoTime()} reading. */
  public static double secondsSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
