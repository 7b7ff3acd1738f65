package dev.magnet.core.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs tasks at the same instant, for the tests of races (publishers committing together, two
 * attempts of one run): each task on a thread of its own, all released by one barrier once every
 * thread has started, so none gets a head start from being submitted first. Shared by every
 * module's race tests (the magnet-core test-jar).
 */
public final class AtOnce {
  private AtOnce() {}

  /** The results of {@code tasks}, run at once, in the tasks' order; see {@link #call(List)}. */
  @SafeVarargs
  public static <T> List<T> call(Callable<T>... tasks) throws Exception {
    return call(List.of(tasks));
  }

  /**
   * The results of {@code tasks}, run at once, in the tasks' order.
   *
   * @throws java.util.concurrent.ExecutionException wrapping the failure of the first failed task
   *     (in the tasks' order)
   */
  public static <T> List<T> call(List<? extends Callable<T>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    try {
      CyclicBarrier start = new CyclicBarrier(tasks.size());
      List<Future<T>> running = new ArrayList<>();
      for (Callable<T> task : tasks) {
        running.add(pool.submit(() -> {
          start.await();
          return task.call();
        }));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> result : running) {
        results.add(result.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
