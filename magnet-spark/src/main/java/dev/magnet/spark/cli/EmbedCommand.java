package dev.magnet.spark.cli;

import dev.magnet.core.data.IdxReader;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.LoadReport;
import dev.magnet.spark.embed.EmbedItem;
import dev.magnet.spark.embed.EmbedSummary;
import dev.magnet.spark.embed.EmbeddingJob;
import dev.magnet.spark.embed.EmbeddingModel;
import dev.magnet.spark.embed.Incremental;
import dev.magnet.spark.data.image.ImageDecoder;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.StagedOutput;
import dev.magnet.spark.io.PublishDirectory;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code magnet embed}: embeds an image corpus (or a data set) with a saved model and writes the
 * embeddings, the cluster rule's prediction and probability, and the nearest cluster as Parquet
 * ({@link EmbeddingJob}). Files that are not decodable images go to a rejects table with the
 * reason; the summary counts them. Progress lines go to stderr.
 *
 * <p>An existing output or rejects table without {@code --overwrite} exits with
 * {@link ExitCodes#BAD_ARGUMENTS} before anything is read; a missing model or input exits with
 * {@link ExitCodes#BAD_INPUT}, and so does a run in which no input could be embedded (after
 * writing the rejects table that says why). {@code --incremental} embeds only the image files that
 * neither existing table holds with the same size and modification time, and appends them
 * ({@link Incremental}).
 */
@Command(name = "embed", mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
    description = "Embed images (or a data set) with a saved model and write the embeddings as Parquet.")
public final class EmbedCommand implements Callable<Integer> {
  /** The Spark application name of a session this command starts. */
  static final String APP_NAME = "magnet embed";
  /** The default rejects table is the output's sibling with this suffix. */
  static final String REJECTS_SUFFIX = "_rejects";

  @Mixin
  SparkOptions spark;

  @Spec
  CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "DIR",
      description = "The model directory (any Hadoop path), or a publish directory (DIR or DIR/latest: the version its"
          + " LATEST names, recorded in the model column).")
  String model;

  @Option(names = "--input", required = true, converter = Converters.EmbedInput.class, paramLabel = "SOURCE",
      description = "images:<path> (a folder tree root/<class>/<file> or a flat folder of JPEG/PNG files, any Hadoop"
          + " path), or a data set in the forms of 'train --data' (idx:, parquet:, fashion-mnist-test, ...).")
  Source input;

  @Option(names = "--output", required = true, paramLabel = "PATH", description = "The embeddings table (Parquet).")
  String output;

  @Option(names = "--rejects", paramLabel = "PATH",
      description = "The rejects table (Parquet: path, reason, detail); default: <output>" + REJECTS_SUFFIX + ".")
  String rejects;

  @Option(names = "--overwrite", description = "Replace existing output and rejects tables.")
  boolean overwrite;

  @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + NetworkFactory.DEFAULT_EMBED_BATCH,
      description = "Examples per forward pass; default: ${DEFAULT-VALUE}.")
  int batchSize;

  @Option(names = "--incremental", description = "Embed only the image files that are in neither existing table with"
      + " the same size and modification time, and append them to both tables (atomically); report what was skipped.")
  boolean incremental;

  /** An input: an image folder, or a data set. */
  record Source(String images, DataSource data) {
    static final String IMAGES_PREFIX = "images:";

    static Source parse(String text) {
      if (text.startsWith(IMAGES_PREFIX)) {
        String path = text.substring(IMAGES_PREFIX.length());
        if (path.isBlank()) {
          throw new IllegalArgumentException("images must be images:<path>; input=" + text);
        }
        return new Source(path, null);
      }
      try {
        return new Source(null, DataSource.parse(text));
      } catch (IllegalArgumentException e) {
        String message = e.getMessage();
        throw new IllegalArgumentException(message.startsWith("data must be ")
            ? "input must be images:<path>, " + message.substring("data must be ".length()) : message, e);
      }
    }

    @Override
    public String toString() {
      return images != null ? IMAGES_PREFIX + images : data.toString();
    }

  }

  /** Where the rejects go. */
  String rejectsPath() {
    return rejects != null ? rejects : output + REJECTS_SUFFIX;
  }

  @Override
  public Integer call() {
    EmbeddingJob.Settings settings = JobException.argument(() -> {
      if (batchSize < 1) {
        throw new IllegalArgumentException("--batch-size must be positive; batch-size=" + batchSize);
      }
      if (incremental && input.images() == null) {
        throw new IllegalArgumentException("--incremental needs an images: input; input=" + input);
      }
      return new EmbeddingJob.Settings(output, rejectsPath(), batchSize, input.images() != null ? "images" : "examples",
          spec.commandLine().getErr()::println);
    });
    PrintWriter out = spec.commandLine().getOut();
    try (SparkOptions.Session session = spark.session(APP_NAME)) {
      Configuration conf = session.spark().sparkContext().hadoopConfiguration();
      checkOutputs(conf);
      String resolved = JobException.input(() -> PublishDirectory.resolve(model, conf));
      ModelArtifact artifact = JobException.input(() -> HadoopModelDirectory.load(resolved, conf));
      JobException.input(() -> EmbeddingModel.of(artifact));
      String modelLocation = JobException.input(() -> new Path(resolved).getFileSystem(conf)
          .makeQualified(new Path(resolved)).toString());
      EmbedSummary summary;
      try {
        if (input.images() != null) {
          summary = embedImages(session.spark(), artifact, modelLocation, settings);
        } else {
          summary = EmbeddingJob.run(session.spark(), examples(session.spark(), artifact, out), -1, artifact,
              modelLocation, settings, null);
        }
      } catch (IOException e) {
        throw new JobException(ExitCodes.BAD_INPUT, "cannot write the tables: " + JobException.describe(e), e);
      }
      out.print(text(summary, settings.unit()));
      if (summary.read() > 0 && summary.embedded() == 0) {
        throw new JobException(ExitCodes.BAD_INPUT, "none of the " + summary.read() + " inputs could be embedded; see "
            + summary.rejects());
      }
      return ExitCodes.SUCCESS;
    }
  }

  /** An image folder: listed, filtered by an incremental run, embedded. */
  private EmbedSummary embedImages(SparkSession session, ModelArtifact artifact, String modelLocation,
      EmbeddingJob.Settings settings) throws IOException {
    JobException.argument(() -> ImageDecoder.checkModel(artifact.preprocessing(), artifact.networkSpec().input()));
    ImageFiles listed = JobException.input(() -> EmbeddingJob.listImages(session, input.images()));
    ImageFiles files = listed;
    Incremental previous = null;
    long firstId = 0;
    if (incremental) {
      previous = JobException.argument(() -> {
        try {
          return Incremental.prepare(session, output, rejectsPath(), listed, artifact);
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
  private JavaRDD<EmbedItem> examples(SparkSession session, ModelArtifact artifact, PrintWriter out) {
    InputShape shape = artifact.networkSpec().input();
    LoadReport report = JobException.input(() -> input.data().load(session, IdxReader.ALL, artifact.params().seed(),
        artifact.labelNames()));
    if (report.dataset().inputShape().size() != shape.size()) {
      throw new JobException(ExitCodes.BAD_INPUT, "data must have the model's input size; model=" + shape
          + " (" + shape.size() + " values), data=" + report.dataset().inputShape() + " ("
          + report.dataset().inputShape().size() + " values) in " + input);
    }
    if (report.skippedRows() > 0) {
      out.println("skipped " + report.skippedRows() + " unusable rows of " + input
          + " (null, non-finite or of another length)");
    }
    return EmbeddingJob.examples(report.dataset());
  }

  private void checkOutputs(Configuration conf) {
    for (String path : new String[] {output, rejectsPath()}) {
      boolean exists = JobException.input(() -> HadoopModelDirectory.exists(path, conf));
      if (exists && !overwrite && !incremental) {
        throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + path + " already exists; pass --overwrite to"
            + " replace it (or --incremental to add new files)");
      }
      if (exists) {
        try {
          StagedOutput.checkReplaceable(path, conf);
        } catch (IOException e) {
          throw new JobException(ExitCodes.BAD_ARGUMENTS, "output " + JobException.describe(e), e);
        }
      }
    }
    String a = JobException.input(() -> new Path(output).getFileSystem(conf).makeQualified(new Path(output)).toString());
    String b = JobException.input(() -> new Path(rejectsPath()).getFileSystem(conf)
        .makeQualified(new Path(rejectsPath())).toString());
    if (a.equals(b)) {
      throw new JobException(ExitCodes.BAD_ARGUMENTS, "--rejects must differ from --output; both=" + a);
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
