package dev.magnet.spark.embed;

import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.storage.RDDInfo;
import scala.collection.Iterator;

/**
 * Reports the embedding stage's progress: a line each time another tenth of its partitions has
 * finished, with the items read so far (of how many, when the listing told), items per second and
 * an estimated time to go (from the items left when their number is known, else the partitions left).
 *
 * <p>It follows the first stage that computes the embedding RDD (later stages read its cached
 * partitions) and counts that stage's successful tasks; the items come from each task's update of
 * the job's item accumulator. Spark delivers listener events asynchronously, so {@link #finish}
 * prints the last line itself when the job is over and its events have not all arrived yet.
 */
final class PartitionProgress extends SparkListener {
  /** Report every tenth of the partitions. */
  static final int STEPS = 10;

  private final int rddId;
  private final long accumulatorId;
  private final int partitions;
  private final long total;
  private final String unit;
  private final Consumer<String> sink;
  private final long start = System.nanoTime();
  private int stageId = -1;
  private int done;
  private long items;
  private int reportedSteps;
  private boolean finished;

  /**
   * @param rddId the embedding RDD
   * @param accumulatorId the accumulator counting the items read
   * @param partitions its number of partitions
   * @param total the items in all, or -1 when unknown
   * @param unit what the items are ("images", "examples")
   * @param sink where the lines go
   */
  PartitionProgress(int rddId, long accumulatorId, int partitions, long total, String unit, Consumer<String> sink) {
    this.rddId = rddId;
    this.accumulatorId = accumulatorId;
    this.partitions = partitions;
    this.total = total;
    this.unit = unit;
    this.sink = sink;
  }

  @Override
  public synchronized void onStageSubmitted(SparkListenerStageSubmitted event) {
    StageInfo stage = event.stageInfo();
    if (stageId >= 0 || finished) {
      return;
    }
    Iterator<RDDInfo> rdds = stage.rddInfos().iterator();
    while (rdds.hasNext()) {
      if (rdds.next().id() == rddId) {
        stageId = stage.stageId();
        return;
      }
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd event) {
    if (finished || event.stageId() != stageId || !event.taskInfo().successful()) {
      return;
    }
    done++;
    Iterator<AccumulableInfo> updates = event.taskInfo().accumulables().iterator();
    while (updates.hasNext()) {
      AccumulableInfo info = updates.next();
      if (info.id() == accumulatorId && info.update().isDefined() && info.update().get() instanceof Number n) {
        items += n.longValue();
      }
    }
    int steps = partitions == 0 ? STEPS : done * STEPS / partitions;
    if (steps > reportedSteps) {
      reportedSteps = steps;
      sink.accept(line(done, items));
    }
  }

  /**
   * Ends the reports: prints the final line unless it was printed, and ignores later events.
   *
   * @param totalItems the items the job read
   */
  synchronized void finish(long totalItems) {
    if (!finished && partitions > 0 && reportedSteps < STEPS) {
      sink.accept(line(partitions, totalItems));
    }
    finished = true;
  }

  /** Ends the reports without a final line (the job failed). */
  synchronized void stop() {
    finished = true;
  }

  private String line(int finishedPartitions, long itemsRead) {
    double seconds = Math.max((System.nanoTime() - start) / 1e9, 1e-3);
    double rate = itemsRead / seconds;
    double eta;
    if (total >= 0) {
      eta = itemsRead >= total ? 0 : itemsRead == 0 ? Double.NaN : (total - itemsRead) / rate;
    } else {
      eta = finishedPartitions == 0 ? Double.NaN : seconds * (partitions - finishedPartitions) / finishedPartitions;
    }
    String of = total >= 0 ? " of " + total : "";
    return String.format(Locale.ROOT, "embed: %d%% of partitions (%d/%d), %d%s %s in %.1f s, %.0f %s/s, ETA %.0f s",
        finishedPartitions * 100 / partitions, finishedPartitions, partitions, itemsRead, of, unit, seconds,
        rate, unit, eta);
  }
}
