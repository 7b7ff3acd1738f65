package dev.magnet.spark.cli;

import dev.magnet.spark.neighbours.BuildRequest;
import dev.magnet.spark.neighbours.LshBaseline;
import dev.magnet.spark.neighbours.NeighboursArgs;
import dev.magnet.spark.util.JobException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code neighbours lsh}. */
@Command(name = NeighboursArgs.LSH,
    description = "The yardstick: Spark ML's BucketedRandomProjectionLSH on the same data, its recall@k against"
        + " exact search and its query rate.")
public final class NeighboursLshCommand extends SparkCommand {
  @Option(names = NeighboursArgs.EMBEDDINGS, required = true, paramLabel = "PATH", description = "The corpus.")
  String embeddings;

  @Option(names = NeighboursArgs.QUERIES, required = true, paramLabel = "PATH", description = "The queries.")
  String queries;

  @Option(names = NeighboursArgs.SAMPLE, paramLabel = "N", defaultValue = "20",
      description = "Queries used (seeded sample); default: ${DEFAULT-VALUE}.")
  int sample;

  @Option(names = NeighboursArgs.K, paramLabel = "K", defaultValue = "10", description = "default: ${DEFAULT-VALUE}.")
  int k;

  @Option(names = NeighboursArgs.BUCKET_LENGTH, paramLabel = "B", required = true, description = "LSH bucket length.")
  double bucketLength;

  @Option(names = NeighboursArgs.HASH_TABLES, paramLabel = "T", required = true, description = "LSH hash tables.")
  int hashTables;

  @Option(names = NeighboursArgs.MODE, converter = NeighboursCommand.LshMode.class, completionCandidates = NeighboursCommand.LshMode.class,
      defaultValue = "nearest", paramLabel = "MODE", description = "${COMPLETION-CANDIDATES}: one"
      + " approxNearestNeighbors call per query, or one approxSimilarityJoin; default: ${DEFAULT-VALUE}.")
  LshBaseline.Mode mode;

  @Option(names = NeighboursArgs.THRESHOLD, paramLabel = "T", defaultValue = "0",
      description = "The join's distance threshold (join mode).")
  double threshold;

  @Option(names = NeighboursArgs.SEED, paramLabel = "S", defaultValue = "" + BuildRequest.DEFAULT_SEED,
      description = "default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = NeighboursArgs.JSON, paramLabel = "PATH", description = "Also write the figures here as JSON.")
  String json;

  @Override
  public Integer call() {
    LshBaseline.Request request = JobException.argument(() -> new LshBaseline.Request(embeddings, queries, sample, k,
        bucketLength, hashTables, mode, threshold, seed, json).check());
    try (SparkOptions.Session session = spark.session("magnet neighbours lsh")) {
      return new LshBaseline(session.spark(), spark.out()).run(request);
    }
  }
}
