package dev.magnet.spark.train;

import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.metrics.MetricGates;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A {@code train} run that publishes ({@link TrainRequest#publication()}): one attempt of the run id
 * in the publish directory ({@link PublishDirectory#begin}), which says whether the run id has
 * published already, where the run stages its model and keeps its checkpoints, and commits the
 * trained version behind the gates.
 */
final class Publishing {
  private final TrainRequest request;
  private final TrainRequest.Publication publication;
  private final PublishDirectory.Attempt attempt;

  /**
   * Begins the attempt: a store that cannot hold a publish directory, or a latest version
   * {@code --no-worse-than} cannot compare with, is an argument error (before any data is read);
   * unreadable contents an input error.
   */
  Publishing(TrainRequest request, String runId, Configuration conf, PrintWriter err) {
    this.request = request;
    this.publication = request.publication();
    MetricGates gates = request.gates();
    PublishDirectory.Gate gate = (candidate, latest) -> gates.failures(candidate.metrics());
    if (publication.noWorseThan() != null) {
      gate = gate.and(PublishDirectory.Gate.noWorseThanLatest(publication.noWorseThan().tolerance()));
    }
    PublishDirectory directory = JobException.input(() -> new PublishDirectory(publication.directory(), conf,
        message -> err.println("magnet train: warning: " + message)));
    try {
      this.attempt = directory.begin(runId, request.validationIdentity(), publication.compareMetric(), gate);
    } catch (IllegalArgumentException e) {
      boolean comparison = publication.noWorseThan() != null && e.getMessage().startsWith("cannot compare");
      throw new JobException(ExitCodes.BAD_ARGUMENTS, (comparison ? TrainArgs.NO_WORSE_THAN + " " : "")
          + e.getMessage(), e);
    } catch (IOException e) {
      throw new JobException(ExitCodes.BAD_INPUT, JobException.describe(e), e);
    }
  }

  /**
   * A rerun of a run id that already published (begun finishes an interrupted promotion): prints
   * that there is nothing to do and returns the gate's outcome again as the exit status; empty
   * when the run has to train.
   */
  Optional<Integer> alreadyPublished(PrintWriter out) {
    if (attempt.finished().isEmpty()) {
      return Optional.empty();
    }
    PublishDirectory.Published done = attempt.finished().get();
    PublishDirectory.Publication p = done.publication();
    out.println("run " + p.runId() + " already published " + p.name() + " in " + new Path(done.path()).getParent()
        + (p.promoted() ? "" : " (not promoted: " + String.join("; ", p.refusals()) + ")")
        + "; latest: " + (done.latest() == null ? "unset" : done.latest()) + "; nothing to do");
    return Optional.of(p.promoted() ? ExitCodes.SUCCESS : ExitCodes.METRIC_GATE_FAILED);
  }

  /** Where the run writes its model before it is published. */
  String stagingPath() {
    return attempt.stagingPath();
  }

  /**
   * The run's training options: with an explicit run id its checkpoints go under the publish
   * directory (or {@code --checkpoint-dir}) and are resumed when present, so that a rerun of a run
   * that died continues it.
   */
  TrainingOptions trainingOptions() {
    TrainingOptions o = request.options();
    if (publication.runId() == null) {
      return o;
    }
    return o.withCheckpoints(o.checkpointDir() != null ? o.checkpointDir() : attempt.checkpointPath(), true);
  }

  /**
   * Commits the staged version; its gates ({@code --min-metric} and {@code --no-worse-than}) decide
   * whether {@code LATEST} moves. The publish directory deletes the run's checkpoints under it once
   * the version is committed.
   */
  int publish(String staged, Map<String, Double> finalMetrics, PrintWriter out) {
    PublishDirectory.Published published;
    try {
      published = attempt.publish(finalMetrics);
    } catch (IOException e) {
      throw new JobException(ExitCodes.TRAINING_FAILED, "cannot publish to " + publication.directory() + ": "
          + JobException.describe(e) + " (the trained version is kept in " + staged + ")", e);
    }
    PublishDirectory.Publication p = published.publication();
    out.println("published " + p.name() + " (run " + p.runId() + ") to " + published.path());
    if (!p.promoted()) {
      out.println("latest stays " + (published.latest() == null ? "unset" : published.latest()));
      throw new JobException(ExitCodes.METRIC_GATE_FAILED, "metric gate failed, " + p.name() + " not promoted: "
          + String.join("; ", p.refusals()));
    }
    out.println("latest: " + published.latest());
    return ExitCodes.SUCCESS;
  }
}
