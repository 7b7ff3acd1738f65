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
 * A {@code train} run that publishes ({@link TrainRequest#publication()}): the run id's earlier
 * outcome, where the run stages its model and keeps its checkpoints, and the publication of the
 * trained version behind the gates ({@link PublishDirectory}).
 */
final class Publishing {
  private final TrainRequest request;
  private final TrainRequest.Publication publication;
  private final String runId;
  private final Configuration conf;
  private final PublishDirectory directory;

  Publishing(TrainRequest request, String runId, Configuration conf, PrintWriter err) {
    this.request = request;
    this.publication = request.publication();
    this.runId = runId;
    this.conf = conf;
    this.directory = JobException.input(() -> new PublishDirectory(publication.directory(), conf,
        message -> err.println("magnet train: warning: " + message)));
  }

  /**
   * A rerun of a run id that already published: prints that there is nothing to do and returns the
   * gate's outcome again as the exit status; empty when the run id has not published.
   */
  Optional<Integer> alreadyPublished(PrintWriter out) {
    Optional<PublishDirectory.Publication> found = JobException.input(() -> directory.findRun(runId));
    if (found.isEmpty()) {
      return Optional.empty();
    }
    PublishDirectory.Publication done = found.get();
    String latest = JobException.input(() -> directory.latest().map(PublishDirectory.Publication::name)
        .orElse("unset"));
    out.println("run " + done.runId() + " already published " + done.name() + " in " + directory.path()
        + (done.promoted() ? "" : " (not promoted: " + String.join("; ", done.refusals()) + ")")
        + "; latest: " + latest + "; nothing to do");
    return Optional.of(done.promoted() ? ExitCodes.SUCCESS : ExitCodes.METRIC_GATE_FAILED);
  }

  /** Before training: {@code --no-worse-than} against a latest measured otherwise is an argument error. */
  void checkComparable() {
    if (publication.noWorseThan() == null) {
      return;
    }
    Optional<PublishDirectory.Publication> latest = JobException.input(directory::latest);
    latest.flatMap(l -> PublishDirectory.incomparable(l, candidate(Map.of())))
        .ifPresent(why -> {
          throw new JobException(ExitCodes.BAD_ARGUMENTS, TrainArgs.NO_WORSE_THAN + " " + why + "; pass the same "
              + TrainArgs.VALIDATION + " and " + TrainArgs.COMPARE_METRIC + ", or publish to another directory");
        });
  }

  /** Where the run writes its model before it is published. */
  String stagingPath() {
    return directory.stagingPath(runId);
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
    String dir = o.checkpointDir() != null ? o.checkpointDir()
        : new Path(new Path(publication.directory(), TrainRequest.Publication.RUNS_DIR), runId).toString();
    return o.withCheckpoints(dir, true);
  }

  /**
   * Publishes the staged version under the lock; the gates ({@code --min-metric} and
   * {@code --no-worse-than}) decide whether {@code LATEST} moves. A publishing run's checkpoints
   * are deleted once its version is published: the version records the run id from then on.
   */
  int publish(String staged, MetricGates gates, Map<String, Double> finalMetrics, PrintWriter out) {
    PublishDirectory.Candidate candidate = candidate(finalMetrics);
    PublishDirectory.Gate gate = latest -> gates.failures(finalMetrics);
    if (publication.noWorseThan() != null) {
      gate = gate.and(PublishDirectory.Gate.noWorseThanLatest(candidate, publication.noWorseThan().tolerance()));
    }
    PublishDirectory.Published published;
    try {
      published = directory.publish(staged, candidate, gate);
      TrainingOptions options = trainingOptions();
      if (publication.runId() != null && request.options().checkpointDir() == null && options.checkpointDir() != null) {
        Path checkpoints = new Path(options.checkpointDir());
        checkpoints.getFileSystem(conf).delete(checkpoints, true);
      }
    } catch (IOException e) {
      throw new JobException(ExitCodes.TRAINING_FAILED, "cannot publish to " + publication.directory() + ": "
          + JobException.describe(e) + " (the trained version is kept in " + staged + ")", e);
    }
    PublishDirectory.Publication p = published.publication();
    out.println("published " + p.name() + " (run " + runId + ") to " + published.path());
    if (!p.promoted()) {
      out.println("latest stays " + (p.previous() == null ? "unset" : p.previous()));
      throw new JobException(ExitCodes.METRIC_GATE_FAILED, "metric gate failed, " + p.name() + " not promoted: "
          + String.join("; ", p.refusals()));
    }
    out.println("latest: " + p.name());
    return ExitCodes.SUCCESS;
  }

  private PublishDirectory.Candidate candidate(Map<String, Double> metrics) {
    return new PublishDirectory.Candidate(runId, request.validationIdentity(), publication.compareMetric(), metrics);
  }
}
