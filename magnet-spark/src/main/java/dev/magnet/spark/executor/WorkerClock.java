package dev.magnet.spark.executor;

import dev.magnet.spark.metrics.SparkEpochMetrics;
import org.apache.spark.util.DoubleAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Times the workers' mini-batch updates: DL4J's parameter-averaging worker calls
 * {@link #preUpdate} and {@link #postUpdate} around each {@code network.fit(batch)}, and the
 * seconds between them go to a Spark accumulator. What the fit phase spends beyond them
 * (broadcasting the parameters, rebuilding each worker's network, scheduling an averaging round,
 * collecting and averaging parameters and updater state) is the averaging overhead that
 * {@link SparkEpochMetrics#averagingSeconds()} reports.
 *
 * <p>One instance is serialised into every worker; each worker thread times its own updates.
 */
public final class WorkerClock implements TrainingHook {
  private static final long serialVersionUID = 1L;
  /** The name of the accumulator the seconds go to (Spark's task events carry it by name). */
  public static final String ACCUMULATOR = "magnet mini-batch update seconds";

  private final DoubleAccumulator seconds;
  private transient ThreadLocal<Long> start;

  public WorkerClock(DoubleAccumulator seconds) {
    this.seconds = seconds;
  }

  /** Seconds of mini-batch updates so far, all workers together (read on the driver). */
  public double seconds() {
    return seconds.sum();
  }

  @Override
  public void preUpdate(DataSet minibatch, Model model) {
    begin();
  }

  @Override
  public void postUpdate(DataSet minibatch, Model model) {
    end();
  }

  @Override
  public void preUpdate(MultiDataSet minibatch, Model model) {
    begin();
  }

  @Override
  public void postUpdate(MultiDataSet minibatch, Model model) {
    end();
  }

  private void begin() {
    start().set(System.nanoTime());
  }

  private void end() {
    seconds.add((System.nanoTime() - start().get()) / 1e9);
  }

  /** Each worker thread's start of its current update; the field is rebuilt after deserialisation. */
  private synchronized ThreadLocal<Long> start() {
    if (start == null) {
      start = ThreadLocal.withInitial(() -> 0L);
    }
    return start;
  }
}
