package dev.magnet.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class NativeThreadsTest {
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  @Test
  void localModeSharesTheLocalCoresAmongTheTasksThatRunAtOnce() {
    // SparkTestSession runs local[2].
    assertEquals(1, NativeThreads.perTask(spark, 2));
    assertEquals(2, NativeThreads.perTask(spark, 1));
    assertEquals(1, NativeThreads.perTask(spark, 8), "never below one thread");
  }

  @Test
  void aTaskCountBelowOneIsRefusedWithTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeThreads.perTask(spark, 0));
    assertTrue(e.getMessage().contains("concurrentTasks=0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NativeThreads.apply(0));
    assertTrue(e.getMessage().contains("threads=0"), e.getMessage());
  }

  @Test
  void applyLimitsNd4jsThreadsInThisJvm() {
    int before = Nd4j.getEnvironment().maxMasterThreads();
    try {
      NativeThreads.apply(1);
      assertEquals(1, Nd4j.getEnvironment().maxMasterThreads());
    } finally {
      NativeThreads.apply(Math.max(1, before));
    }
  }
}
