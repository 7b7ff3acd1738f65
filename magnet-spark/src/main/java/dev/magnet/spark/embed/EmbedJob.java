package dev.magnet.spark.embed;

import dev.magnet.core.data.IdxReader;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.ImageLoading;
import dev.magnet.spark.data.LoadReport;
import dev.magnet.spark.data.image.ImageDecoder;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import dev.magnet.spark.util.SparkJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code embed} job: embeds an image corpus (or a data set) with a saved model and writes the
 * embeddings, the cluster rule's prediction and probability, and the nearest cluster as Parquet
 * ({@link EmbeddingJob}). Image files are made inputs with the model's preprocessing (as its
 * training made them); files that are not decodable images go to a rejects table with the reason,
 * and the summary counts them. Progress lines go to {@code err}.
 *
 * <p>An existing output or rejects table without {@code overwrite} exits with
 * {@link ExitCodes#BAD_ARGUMENTS} before anything is read; a missing model or input exits with
 * {@link ExitCodes#BAD_INPUT}, and so does a run in which no input could be embedded (after
 * writing the rejects table that says why). An incremental run embeds only the image files that
 * neither existing table holds with the same size and modification time, and appends them
 * ({@link Incremental}).
 */
public final class EmbedJob extends SparkJob {

  /**
   * @param out where the summary goes
   * @param err where the progress lines go
   */
  public EmbedJob(SparkSession session, PrintWriter out, PrintWriter err) {
    super(session, out, err);
  }

  /** Runs one request; returns {@link ExitCodes#SUCCESS} or throws a {@link JobException}. */
  public int run(EmbedRequest request) {
    JobException.argument(request::check);
    checkOutputs(request, conf);
    String resolved = JobException.input(() -> PublishDirectory.resolve(request.model(), conf));
    ModelArtifact artifact = JobException.input(() -> HadoopModelDirectory.load(resolved, conf));
    JobException.input(() -> EmbeddingModel.of(artifact));
    EmbeddingJob.Settings settings = JobException.argument(() -> new EmbeddingJob.Settings(request.output(),
        request.rejectsPath(), request.batchSizeFor(artifact), request.images() ? "images" : "examples",
        err::println));
    if (request.batchSize() == EmbedRequest.AUTO_BATCH_SIZE) {
      err.println("magnet embed: " + settings.batchSize() + " " + settings.unit() + " a forward pass (--batch-size "
          + EmbedRequest.AUTO + ")");
    }
    String modelLocation = JobException.input(() -> new Path(resolved).getFileSystem(conf)
        .makeQualified(new Path(resolved)).toString());
    EmbedSummary summary;
    try {
      if (request.images()) {
        summary = embedImages(request, artifact, modelLocation, settings);
      } else {
        summary = EmbeddingJob.run(session, examples(request, artifact), -1, artifact, modelLocation, settings, null);
      }
    } catch (IOException e) {
      throw new JobException(ExitCodes.BAD_INPUT, "cannot write the tables: " + JobException.describe(e), e);
    }
    out.print(text(summary, settings.unit()));
    out.flush();
    if (summary.read() > 0 && summary.embedded() == 0) {
      throw new JobException(ExitCodes.BAD_INPUT, "none of the " + summary.read() + " inputs could be embedded; see "
          + summary.rejects());
    }
    return ExitCodes.SUCCESS;
  }

  /** An image folder: listed, filtered by an incremental run, embedded. */
  private EmbedSummary embedImages(EmbedRequest request, ModelArtifact artifact, String modelLocation,
      EmbeddingJob.Settings settings) throws IOException {
    JobException.argument(() -> ImageDecoder.checkModel(artifact.preprocessing(), artifact.networkSpec().input()));
    String root = request.input().paths().get(0);
    ImageFiles listed = JobException.input(() -> EmbeddingJob.listImages(session, root));
    if (!listed.loops().isEmpty()) {
      err.println("magnet embed: warning: not following " + listed.loops().size()
          + " symbolic link(s) that lead back to a folder above them, whose files are listed once under their own"
          + " path: " + String.join(", ", listed.loops().subList(0, Math.min(5, listed.loops().size())))
          + (listed.loops().size() > 5 ? ", ..." : ""));
    }
    ImageFiles files = listed;
    Incremental previous = null;
    long firstId = 0;
    if (request.incremental()) {
      previous = JobException.argument(() -> {
        try {
          return Incremental.prepare(session, request.output(), request.rejectsPath(), listed, artifact);
        } catch (IOException e) {
          throw new JobException(ExitCodes.BAD_INPUT, "cannot read the earlier tables: " + JobException.describe(e), e);
        }
      });
      files = previous.remaining();
      firstId = previous.firstId();
    }
    JavaRDD<EmbedItem> items = EmbeddingJob.images(session, files, artifact.labelNames(), firstId);
    return EmbeddingJob.run(session, items, files.size(), artifact, modelLocation, settings, previous);
  }

  /** A data set's examples; unreadable data is an input error. */
  private JavaRDD<EmbedItem> examples(EmbedRequest request, ModelArtifact artifact) {
    InputShape shape = artifact.networkSpec().input();
    LoadReport report = JobException.input(() -> request.input().load(session, IdxReader.ALL,
        artifact.params().seed(), artifact.labelNames(), ImageLoading.as(artifact.preprocessing(), null)));
    if (report.dataset().inputShape().size() != shape.size()) {
      throw new JobException(ExitCodes.BAD_INPUT, "data must have the model's input size; model=" + shape
          + " (" + shape.size() + " values), data=" + report.dataset().inputShape() + " ("
          + report.dataset().inputShape().size() + " values) in " + request.input());
    }
    if (report.skippedRows() > 0) {
      out.println("skipped " + report.skippedRows() + " unusable rows of " + request.input()
          + " (null, non-finite or of another length)");
    }
    if (report.images() != null && report.images().rejected() > 0) {
      out.println("skipped " + report.images().rejected() + " rows of " + request.input() + " that hold no usable image "
          + report.images().rejectedByReason());
    }
    return EmbeddingJob.examples(report.dataset());
  }

  private static void checkOutputs(EmbedRequest request, Configuration conf) {
    for (String path : new String[] {request.output(), request.rejectsPath()}) {
      boolean exists = JobException.input(() -> HadoopModelDirectory.exists(path, conf));
      if (exists && !request.overwrite() && !request.incremental()) {
        throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + path + " already exists; pass "
            + EmbedArgs.OVERWRITE + " to replace it (or " + EmbedArgs.INCREMENTAL + " to add new files)");
      }
      if (exists) {
        try {
          StagedOutput.checkReplaceable(path, conf);
        } catch (IOException e) {
          throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + JobException.describe(e), e);
        }
      }
    }
    String a = JobException.input(() -> new Path(request.output()).getFileSystem(conf)
        .makeQualified(new Path(request.output())).toString());
    String b = JobException.input(() -> new Path(request.rejectsPath()).getFileSystem(conf)
        .makeQualified(new Path(request.rejectsPath())).toString());
    if (a.equals(b)) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, EmbedArgs.REJECTS + " must differ from " + EmbedArgs.OUTPUT
          + "; both=" + a);
    }
  }

  /** The summary printed at the end. */
  static String text(EmbedSummary s, String unit) {
    StringBuilder text = new StringBuilder();
    if (s.skipped() > 0 || s.carried() > 0) {
      text.append(String.format(Locale.ROOT, "skipped   %d %s already in the tables, unchanged (%d earlier rows kept)%n",
          s.skipped(), unit, s.carried()));
    }
    text.append(String.format(Locale.ROOT, "read      %d %s%n", s.read(), unit));
    text.append(String.format(Locale.ROOT, "embedded  %d in %.1f s (%.0f %s/s; %.1f CPU s)%n", s.embedded(), s.seconds(),
        s.read() / Math.max(s.seconds(), 1e-3), unit, s.cpuSeconds()));
    text.append(String.format(Locale.ROOT, "rejected  %d%s%n", s.rejected(), s.rejectedByReason().isEmpty() ? ""
        : " (" + s.rejectedByReason().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
            .collect(Collectors.joining(", ")) + ")"));
    if (s.unlabelled() > 0) {
      text.append(String.format(Locale.ROOT, "unlabelled %d: label left null, folders not among the model's classes: %s%n",
          s.unlabelled(), s.unknownFolders().entrySet().stream().map(Map.Entry::getKey)
              .collect(Collectors.joining(", "))));
    }
    text.append("embeddings ").append(s.output()).append('\n');
    text.append("rejects    ").append(s.rejects()).append('\n');
    return text.toString();
  }
}
