package dev.magnet.spark.cli;

import dev.magnet.spark.neighbours.BuildRequest;
import dev.magnet.spark.neighbours.MixtureGenerator;
import dev.magnet.spark.neighbours.NeighboursArgs;
import dev.magnet.spark.util.JobException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code neighbours generate}. */
@Command(name = NeighboursArgs.GENERATE,
    description = "Write a seeded Gaussian mixture as an embeddings table (the scale test's corpus and queries).")
public final class NeighboursGenerateCommand extends SparkCommand {
  @Option(names = NeighboursArgs.OUTPUT, required = true, paramLabel = "PATH", description = "The table.")
  String output;

  @Option(names = NeighboursArgs.ROWS, paramLabel = "N", defaultValue = "" + MixtureGenerator.Request.DEFAULT_ROWS,
      description = "Rows; default: ${DEFAULT-VALUE}.")
  long rows;

  @Option(names = NeighboursArgs.DIMENSION, paramLabel = "D",
      defaultValue = "" + MixtureGenerator.Request.DEFAULT_DIMENSION, description = "Width; default: ${DEFAULT-VALUE}.")
  int dimension;

  @Option(names = NeighboursArgs.CLUSTERS, paramLabel = "C",
      defaultValue = "" + MixtureGenerator.Request.DEFAULT_CLUSTERS,
      description = "Mixture components; default: ${DEFAULT-VALUE}.")
  int clusters;

  @Option(names = NeighboursArgs.SPREAD, paramLabel = "S", defaultValue = "" + MixtureGenerator.Request.DEFAULT_SPREAD,
      description = "Noise per coordinate (centres are standard normal); default: ${DEFAULT-VALUE}.")
  double spread;

  @Option(names = NeighboursArgs.SEED, paramLabel = "S", defaultValue = "" + BuildRequest.DEFAULT_SEED,
      description = "Seeds the centres and rows; default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = NeighboursArgs.FIRST_ID, paramLabel = "ID", defaultValue = "0",
      description = "The first id (queries: ids after the corpus's); default: ${DEFAULT-VALUE}.")
  long firstId;

  @Option(names = NeighboursArgs.OVERWRITE, description = "Replace an existing table.")
  boolean overwrite;

  @Option(names = NeighboursArgs.FEATURES, description = "Write a training table (features, label) for train and"
      + " evaluate --data parquet:PATH instead of an embeddings table.")
  boolean features;

  @Override
  public Integer call() {
    MixtureGenerator.Request request = JobException.argument(() -> new MixtureGenerator.Request(output, rows,
        dimension, clusters, spread, seed, firstId, overwrite, features).check());
    try (SparkOptions.Session session = spark.session("magnet neighbours generate")) {
      return new MixtureGenerator(session.spark(), spark.out()).run(request);
    }
  }
}
