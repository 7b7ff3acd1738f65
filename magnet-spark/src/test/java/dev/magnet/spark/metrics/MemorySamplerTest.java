package dev.magnet.spark.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.factory.Nd4j;

/** The sampler's parts: each read from what it names, and the unaccounted rest derived from them. */
class MemorySamplerTest {
  @Test
  void theRestIsTheRssLessWhatTheJvmAccountsForAndNeverNegative() {
    MemoryBreakdown.Parts parts = MemoryBreakdown.Parts.of(1000, 300, 500, 100, 50, 7, 20, 60);
    assertEquals(350, parts.otherNativeBytes());
    assertEquals(0, MemoryBreakdown.Parts.of(100, 300, 500, 100, 50, 0, 0, 0).otherNativeBytes());
    MemoryBreakdown.Parts other = MemoryBreakdown.Parts.of(900, 400, 500, 100, 50, 0, 30, 10);
    MemoryBreakdown.Parts max = parts.max(other);
    assertEquals(1000, max.rssBytes());
    assertEquals(400, max.heapUsedBytes());
    assertEquals(30, max.nd4jWorkspaceBytes());
    assertEquals(60, max.sparkStorageBytes());
  }

  /** A 64 MiB workspace opened while sampling shows in the peaks; the storage figure is the supplier's. */
  @Test
  @EnabledOnOs(OS.LINUX)
  void samplesThisJvmWithItsWorkspacesAndStorage() throws InterruptedException {
    AtomicLong storage = new AtomicLong(123_456);
    WorkspaceConfiguration config = WorkspaceConfiguration.builder().initialSize(64L << 20)
        .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.NONE).build();
    MemoryBreakdown breakdown;
    try (MemorySampler sampler = MemorySampler.start(storage::get, 10)) {
      try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(config, "sampler-test")) {
        Nd4j.create(DataType.FLOAT, 1024, 1024);
        sampler.sample();
        Thread.sleep(50);
      } finally {
        Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
      }
      storage.set(0);
      breakdown = sampler.breakdown();
    }
    assertTrue(breakdown.samples() >= 3, "at start, during and at the end, and on the thread: " + breakdown.samples());
    MemoryBreakdown.Parts peaks = breakdown.peaks();
    assertTrue(peaks.nd4jWorkspaceBytes() >= 64L << 20, "the workspace: " + peaks);
    assertEquals(123_456, peaks.sparkStorageBytes());
    assertTrue(peaks.heapCommittedBytes() > 0 && peaks.heapUsedBytes() > 0 && peaks.jvmNonHeapCommittedBytes() > 0,
        peaks.toString());
    MemoryBreakdown.Parts top = breakdown.atPeakRss();
    assertTrue(top.rssBytes() > 16L << 20 && top.rssBytes() == peaks.rssBytes(), top + " / " + peaks);
    assertEquals(Math.max(0, top.rssBytes() - top.heapCommittedBytes() - top.jvmNonHeapCommittedBytes()
        - top.directBufferBytes()), top.otherNativeBytes());
  }
}
