package dev.magnet.spark.cli;

import dev.magnet.spark.neighbours.BuildRequest;
import dev.magnet.spark.neighbours.NeighboursArgs;
import dev.magnet.spark.neighbours.RecallJob;
import dev.magnet.spark.neighbours.RecallRequest;
import dev.magnet.spark.util.JobException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neighbours recall}. */
@Command(name = NeighboursArgs.RECALL,
    description = "Recall@k of the index against the exact search on a seeded sample of queries.")
public final class NeighboursRecallCommand extends SparkCommand {
  @Mixin
  NeighboursCommand.IndexOption index;

  @Option(names = NeighboursArgs.QUERIES, paramLabel = "PATH",
      description = "Sample the queries from this table; default: the index's own items.")
  String queries;

  @Option(names = NeighboursArgs.SAMPLE, paramLabel = "N", defaultValue = "" + RecallRequest.DEFAULT_SAMPLE,
      description = "Queries in the sample; default: ${DEFAULT-VALUE}.")
  int sample;

  @Mixin
  NeighboursCommand.SearchOptions search;

  @Option(names = NeighboursArgs.SEED, paramLabel = "S", defaultValue = "" + BuildRequest.DEFAULT_SEED,
      description = "Picks the sample; default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = NeighboursArgs.JSON, paramLabel = "PATH", description = "Also write the figures here as JSON.")
  String json;

  RecallRequest request() {
    NeighboursCommand.SearchOptions s = search;
    return new RecallRequest(index.path, queries, sample, s.k, s.nprobe, s.efSearch, seed, json).check();
  }

  @Override
  public Integer call() {
    RecallRequest request = JobException.argument(this::request);
    try (SparkOptions.Session session = spark.session("magnet neighbours recall")) {
      return new RecallJob(session.spark(), spark.out()).run(request);
    }
  }
}
