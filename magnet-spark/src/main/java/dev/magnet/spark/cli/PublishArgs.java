package dev.magnet.spark.cli;

import dev.magnet.spark.train.NoWorseThan;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.ExitCodes;
import picocli.CommandLine.Option;

/**
 * {@code train}'s options for publishing a model as the next version of a publish directory (a
 * picocli mixin), as a {@link TrainRequest.Publication}.
 */
public final class PublishArgs {
  @Option(names = TrainArgs.PUBLISH_TO, paramLabel = "DIR",
      description = "Instead of --output: publish the model (with metrics.json and the report) as the next version"
          + " DIR/vN and move DIR/LATEST to it when the gates pass; exit status " + ExitCodes.METRIC_GATE_FAILED
          + " and LATEST untouched when they do not.")
  String publishTo;

  @Option(names = TrainArgs.RUN_ID, paramLabel = "ID",
      description = "The scheduled run's id (e.g. the date), with --publish-to: rerunning an id that already"
          + " published does nothing; one that died resumes from its checkpoints (default: DIR/.runs/ID)."
          + " Default: a fresh id.")
  String runId;

  @Option(names = TrainArgs.NO_WORSE_THAN, paramLabel = "latest[:TOLERANCE]", converter = Converters.Tolerance.class,
      description = "With --publish-to: promote only when --compare-metric is at least the latest version's minus"
          + " TOLERANCE (default 0), measured on the same --validation.")
  NoWorseThan noWorseThan;

  @Option(names = TrainArgs.COMPARE_METRIC, paramLabel = "NAME",
      description = "The held-out metric --no-worse-than compares; default: the 1-NN accuracy, which every loss"
          + " reports.")
  String compareMetric;

  /**
   * The publication the options state, or null without {@code --publish-to};
   * {@link IllegalArgumentException} when an option that needs it is given without it.
   */
  TrainRequest.Publication publication() {
    if (publishTo == null && (runId != null || noWorseThan != null || compareMetric != null)) {
      throw new IllegalArgumentException(TrainArgs.RUN_ID + ", " + TrainArgs.NO_WORSE_THAN + " and "
          + TrainArgs.COMPARE_METRIC + " need " + TrainArgs.PUBLISH_TO);
    }
    return publishTo == null ? null : new TrainRequest.Publication(publishTo, runId, noWorseThan, compareMetric);
  }
}
