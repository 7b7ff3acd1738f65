package dev.magnet.spark.neighbours;

import java.lang.management.ManagementFactory;

/**
 * Wall and CPU seconds of a step: the JVM's process CPU time, which in local mode covers the
 * driver and every executor thread. On a shared machine CPU seconds are the steadier figure
 * (docs/benchmarks.md); on a cluster they cover the driver only.
 */
final class CpuClock {
  private final long wallStart = System.nanoTime();
  private final long cpuStart = cpuNanos();

  double wallSeconds() {
    return (System.nanoTime() - wallStart) / 1e9;
  }

  double cpuSeconds() {
    return (cpuNanos() - cpuStart) / 1e9;
  }

  private static long cpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }
}
