package dev.magnet.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Both exchanges of a barrier stage's rounds give every task the same mean, to the bit, over the
 * tasks that contribute, and stop every task when one asks; tasks of local mode find that they all
 * run in one JVM, and leave no room behind, also when one of them fails midway.
 */
class AllReduceTest {
  @SparkTestSession.PerClass
  static JavaSparkContext spark;

  /**
   * What the tasks do: the broadcast their blocks are named under, which exchange, who sits out
   * which round, and in which round task 0 asks to stop and task 1 fails (-1: none).
   */
  record Script(long namespace, boolean inMemory, int[][] idle, int stopAt, int failAt) implements Serializable {}

  /** Per task: the rounds' answers (count or stop) and the vector after each round. */
  record Rounds(boolean oneJvm, List<Integer> answers, List<float[]> vectors) implements Serializable {}

  /**
   * A task's rounds: in round r, task t's vector holds (t + 1) · (i + 1) / 7 + r at index i, and
   * task t contributes unless it is idle that round; a task asks to stop in round {@code stopAt}.
   */
  private static final class Task extends AbstractFunction1<scala.collection.Iterator<Integer>,
      scala.collection.Iterator<Rounds>> implements Serializable {
    private final Script script;

    Task(Script script) {
      this.script = script;
    }

    @Override
    public scala.collection.Iterator<Rounds> apply(scala.collection.Iterator<Integer> partition) {
      BarrierTaskContext task = BarrierTaskContext.get();
      int me = task.partitionId();
      ShardedAllReduce blocks = new ShardedAllReduce(task, task.numPartitions(), script.namespace());
      blocks.max(me);
      int length = 11; // not a multiple of the tasks: shards of unequal length
      List<Integer> answers = new ArrayList<>();
      List<float[]> vectors = new ArrayList<>();
      MemoryAllReduce memory = script.inMemory()
          ? new MemoryAllReduce(task, blocks, task.numPartitions(), script.namespace(), length) : null;
      try {
        AllReduce exchange = memory != null ? memory : blocks;
        for (int r = 0; r < script.idle().length; r++) {
          if (r == script.failAt() && me == 1) {
            throw new IllegalStateException("task 1 fails in round " + r);
          }
          float[] vector = new float[length];
          for (int i = 0; i < length; i++) {
            vector[i] = (me + 1) * (i + 1) / 7f + r;
          }
          boolean contributes = IntStream.of(script.idle()[r]).noneMatch(t -> t == me);
          int answer = exchange.average(vector, contributes, r == script.stopAt() && me == 0);
          answers.add(answer);
          vectors.add(vector);
          if (answer == AllReduce.STOPPED) {
            break;
          }
        }
        if (answers.get(answers.size() - 1) != AllReduce.STOPPED) {
          exchange.finish();
        }
      } finally {
        if (memory != null) {
          memory.close();
        }
      }
      return JavaConverters.asScalaIterator(List.of(new Rounds(blocks.oneJvm(), answers, vectors)).iterator());
    }
  }

  private static List<Rounds> run(boolean inMemory, int[][] idle, int stopAt) {
    return run(inMemory, idle, stopAt, -1);
  }

  private static List<Rounds> run(boolean inMemory, int[][] idle, int stopAt, int failAt) {
    Broadcast<Integer> names = spark.broadcast(0);
    try {
      return spark.parallelize(List.of(0, 1), 2).rdd().barrier()
          .mapPartitions(new Task(new Script(names.id(), inMemory, idle, stopAt, failAt)), false,
              ClassTag$.MODULE$.apply(Rounds.class))
          .toJavaRDD().collect();
    } finally {
      names.destroy(false);
    }
  }

  @Test
  void bothExchangesGiveTheMeanOfTheContributingTasksToTheBit() {
    int[][] idle = {{}, {1}, {0, 1}, {}};
    List<Rounds> memory = run(true, idle, -1);
    List<Rounds> blocks = run(false, idle, -1);
    for (int task = 0; task < 2; task++) {
      Rounds m = memory.get(task);
      Rounds b = blocks.get(task);
      assertTrue(m.oneJvm(), "local mode's tasks run in one JVM");
      assertEquals(List.of(2, 1, 0, 2), m.answers(), "contributing tasks per round");
      assertEquals(m.answers(), b.answers());
      for (int r = 0; r < idle.length; r++) {
        assertArrayEquals(b.vectors().get(r), m.vectors().get(r), "task " + task + ", round " + r);
      }
      // Round 0: the mean of both; round 1: task 0's alone; round 2: nobody's, each keeps its own.
      assertEquals((1 / 7f + 2 / 7f) / 2, m.vectors().get(0)[0]);
      assertEquals(11 / 7f + 1, m.vectors().get(1)[10]);
      assertEquals((task + 1) * 5 / 7f + 2, m.vectors().get(2)[4]);
    }
    assertEquals(0, MemoryAllReduce.rooms(), "rooms left in the JVM");
  }

  @Test
  void aTaskThatAsksToStopStopsEveryTask() {
    int[][] idle = {{}, {}, {}};
    for (boolean inMemory : new boolean[] {true, false}) {
      for (Rounds rounds : run(inMemory, idle, 1)) {
        assertEquals(List.of(2, AllReduce.STOPPED), rounds.answers(), "in memory: " + inMemory);
      }
    }
    assertEquals(0, MemoryAllReduce.rooms(), "rooms left in the JVM");
  }

  @Test
  void aTaskThatFailsMidwayFailsTheStageAndItsPeerLeavesTheRoom() throws InterruptedException {
    int[][] idle = {{}, {}, {}};
    SparkException failed = assertThrows(SparkException.class, () -> run(true, idle, -1, 1));
    assertTrue(failed.getMessage().contains("task 1 fails in round 1"), failed.getMessage());
    long deadline = System.currentTimeMillis() + 10_000; // task 0, waiting in round 1, is killed by Spark
    while (MemoryAllReduce.rooms() > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, MemoryAllReduce.rooms(), "rooms left in the JVM");
  }
}
