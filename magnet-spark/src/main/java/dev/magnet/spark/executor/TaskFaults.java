package dev.magnet.spark.executor;

import java.util.Iterator;
import org.apache.spark.TaskContext;

/**
 * A test switch that makes Spark retry the trainer's tasks: while the job-local property
 * {@value #FAIL_FIRST_ATTEMPTS} is {@code "true"} on the thread that submits the jobs
 * ({@code SparkContext.setLocalProperty}), the first attempt of every even-numbered partition of
 * the embedding, materialisation and fitting stages throws {@link InjectedFailure}; the retry
 * (Spark's {@code spark.task.maxFailures}, e.g. {@code local[2,3]}) then runs normally. It proves
 * that a re-executed task gives the same result as the first would have, which the
 * integration tests check end to end.
 *
 * <p>Off unless that property is set, which nothing in Magnet does: a local property is set in
 * code on the driver, never by a configuration file or {@code --conf}. Its cost when off is one
 * property lookup per partition.
 */
public final class TaskFaults {
  /** The job-local property that switches the failures on. */
  public static final String FAIL_FIRST_ATTEMPTS = "magnet.test.failFirstAttempts";

  private TaskFaults() {}

  /** What an injected failure throws, so that tests can tell it from a real one. */
  public static final class InjectedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFailure(String message) {
      super(message);
    }
  }

  /**
   * The partition unchanged; throws on the first attempt of an even partition when switched on.
   * A {@code mapPartitions} function, applied where the trainer's stages begin.
   */
  public static <T> Iterator<T> check(Iterator<T> partition) {
    TaskContext task = TaskContext.get();
    // A barrier stage is retried whole, as a new stage attempt whose tasks start again at attempt 0.
    if (task != null && task.attemptNumber() == 0 && task.stageAttemptNumber() == 0 && task.partitionId() % 2 == 0
        && "true".equals(task.getLocalProperty(FAIL_FIRST_ATTEMPTS))) {
      throw new InjectedFailure("injected failure of the first attempt of stage " + task.stageId() + " partition "
          + task.partitionId() + " (" + FAIL_FIRST_ATTEMPTS + "=true)");
    }
    return partition;
  }
}
