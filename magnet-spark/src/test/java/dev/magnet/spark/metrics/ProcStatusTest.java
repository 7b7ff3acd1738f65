package dev.magnet.spark.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.metrics.ProcStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The VmHWM reader: a status file's text, this JVM's own, and what is absent. */
class ProcStatusTest {
  /** The head of a real /proc/<pid>/status. */
  private static final String STATUS = "Name:\tjava\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t4242\n"
      + "VmPeak:\t 9876544 kB\nVmSize:\t 9876540 kB\nVmHWM:\t  524288 kB\nVmRSS:\t  400000 kB\nThreads:\t42\n";

  @TempDir
  Path tmp;

  @Test
  void readsVmHwmInBytes() throws IOException {
    assertEquals(OptionalLong.of(524_288L * 1024), ProcStatus.parsePeakRssBytes(STATUS));
    Path file = Files.writeString(tmp.resolve("status"), STATUS);
    assertEquals(OptionalLong.of(524_288L * 1024), ProcStatus.peakRssBytes(file));
  }

  @Test
  void absentWithoutTheLineOrTheFile() {
    assertEquals(OptionalLong.empty(), ProcStatus.parsePeakRssBytes("Name:\tkthreadd\nState:\tS (sleeping)\n"),
        "kernel threads have no VmHWM");
    assertEquals(OptionalLong.empty(), ProcStatus.peakRssBytes(tmp.resolve("gone")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ProcStatus.parsePeakRssBytes("VmHWM:\t 12 MB\n"));
    assertEquals("VmHWM must be '<number> kB'; line=VmHWM:\t 12 MB", e.getMessage());
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void thisJvmHasAPeakOfItsOwn() {
    long self = ProcStatus.selfPeakRssBytes().orElseThrow();
    assertTrue(self > 16L << 20, "a JVM holds more than 16 MiB: " + self);
    assertEquals(self, ProcStatus.peakRssBytes(ProcessHandle.current().pid()).orElseThrow(), self / 10.0,
        "by pid and as self, the same process");
    long now = ProcStatus.selfRssBytes().orElseThrow();
    assertTrue(now > 16L << 20 && now <= ProcStatus.selfPeakRssBytes().orElseThrow(),
        "the RSS now is at most the peak: " + now);
  }
}
