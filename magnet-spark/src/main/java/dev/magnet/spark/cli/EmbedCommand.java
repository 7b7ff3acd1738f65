package dev.magnet.spark.cli;

import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.embed.EmbedArgs;
import dev.magnet.spark.embed.EmbedJob;
import dev.magnet.spark.embed.EmbedRequest;
import dev.magnet.spark.util.JobException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code magnet embed}: the options of an {@link EmbedRequest}, run by {@link EmbedJob}: embeds an
 * image corpus (or a data set) with a saved model and writes the embeddings as Parquet, with a
 * rejects table of the files that are not decodable images.
 */
@Command(name = EmbedArgs.COMMAND,
    description = "Embed images (or a data set) with a saved model and write the embeddings as Parquet.")
public final class EmbedCommand extends SparkCommand {
  /** The Spark application name of a session this command starts. */
  static final String APP_NAME = "magnet embed";

  @Option(names = EmbedArgs.MODEL, required = true, paramLabel = "DIR",
      description = "The model directory (any Hadoop path), or a publish directory (DIR or DIR/latest: the version its"
          + " LATEST names, recorded in the model column).")
  String model;

  @Option(names = EmbedArgs.INPUT, required = true, converter = Converters.EmbedInput.class, paramLabel = "SOURCE",
      description = "images:<path> (a folder tree root/<class>/<file> or a flat folder of JPEG/PNG files, any Hadoop"
          + " path; made inputs as the model's training made them), or a data set in the forms of 'train --data'"
          + " (idx:, parquet:, fashion-mnist-test, ...).")
  DataSource input;

  @Option(names = EmbedArgs.OUTPUT, required = true, paramLabel = "PATH", description = "The embeddings table"
      + " (Parquet).")
  String output;

  @Option(names = EmbedArgs.REJECTS, paramLabel = "PATH",
      description = "The rejects table (Parquet: path, reason, detail); default: <output>"
          + EmbedRequest.REJECTS_SUFFIX + ".")
  String rejects;

  @Option(names = EmbedArgs.OVERWRITE, description = "Replace existing output and rejects tables.")
  boolean overwrite;

  @Option(names = EmbedArgs.BATCH_SIZE, paramLabel = "N|auto", defaultValue = EmbedRequest.AUTO,
      converter = Converters.EmbedBatchSize.class,
      description = "Examples per forward pass; default: ${DEFAULT-VALUE}: as many as keep the network's largest"
          + " layer output within 8 MiB a batch, from 16 to 256 (256 for fmnist-cnn at 28x28, 28 for resnet-small"
          + " at 96x96).")
  int batchSize;

  @Option(names = EmbedArgs.INCREMENTAL, description = "Embed only the image files that are in neither existing table"
      + " with the same size and modification time, and append them to both tables (atomically); report what was"
      + " skipped.")
  boolean incremental;

  /** The request the options state. */
  EmbedRequest request() {
    return new EmbedRequest(model, input, output, rejects, overwrite, batchSize, incremental);
  }

  @Override
  public Integer call() {
    EmbedRequest request = JobException.argument(() -> request().check());
    try (SparkOptions.Session session = spark.session(APP_NAME)) {
      return new EmbedJob(session.spark(), spark.out(), spark.err()).run(request);
    }
  }
}
