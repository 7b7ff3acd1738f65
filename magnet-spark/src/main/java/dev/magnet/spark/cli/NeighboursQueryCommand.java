package dev.magnet.spark.cli;

import dev.magnet.spark.neighbours.IndexQueryJob;
import dev.magnet.spark.neighbours.NeighboursArgs;
import dev.magnet.spark.neighbours.QueryRequest;
import dev.magnet.spark.util.JobException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code neighbours query}. */
@Command(name = NeighboursArgs.QUERY,
    description = "The k nearest items of each query, or near-duplicate pairs (--self --threshold), as Parquet.")
public final class NeighboursQueryCommand extends SparkCommand {
  @Mixin
  NeighboursCommand.IndexOption index;

  @Option(names = NeighboursArgs.QUERIES, paramLabel = "PATH", description = "A table of query embeddings.")
  String queries;

  @Option(names = NeighboursArgs.SELF, description = "Query the index's own items (none is its own neighbour).")
  boolean self;

  @Mixin
  NeighboursCommand.SearchOptions search;

  @Option(names = NeighboursArgs.THRESHOLD, paramLabel = "T",
      description = "With --self: write each pair of items within distance T once (near duplicates).")
  Double threshold;

  @Option(names = NeighboursArgs.EXACT, description = "Blocked brute-force search on the executors (the ground"
      + " truth) instead of the index.")
  boolean exact;

  @Option(names = NeighboursArgs.OUTPUT, required = true, paramLabel = "PATH", description = "The result table.")
  String output;

  @Option(names = NeighboursArgs.REPORT, paramLabel = "DIR", description = "Also write an HTML gallery here.")
  String report;

  @Option(names = NeighboursArgs.OVERWRITE, description = "Replace an existing result table.")
  boolean overwrite;

  QueryRequest request() {
    NeighboursCommand.SearchOptions s = search;
    return new QueryRequest(index.path, queries, self, s.k, s.nprobe, s.efSearch, threshold, exact, output, report,
        overwrite).check();
  }

  @Override
  public Integer call() {
    QueryRequest request = JobException.argument(this::request);
    try (SparkOptions.Session session = spark.session("magnet neighbours query")) {
      return new IndexQueryJob(session.spark(), spark.out()).run(request);
    }
  }
}
