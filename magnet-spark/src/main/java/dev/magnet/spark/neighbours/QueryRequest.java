package dev.magnet.spark.neighbours;

import dev.magnet.spark.util.Arguments;
import java.util.List;
import java.util.Objects;

/**
 * One {@code neighbours query} run as typed values.
 *
 * @param index the index directory
 * @param queries a table of query embeddings, or null with {@code self}
 * @param self the index's own items are the queries (each is never its own neighbour)
 * @param k neighbours per query
 * @param nprobe lists searched per query
 * @param efSearch the HNSW beam while searching (at least k)
 * @param threshold with {@code self}: write the pairs within this distance instead of neighbour lists; or null
 * @param exact blocked brute-force search on the executors instead of the index
 * @param output where the Parquet table goes
 * @param reportDir where an HTML gallery goes, or null
 * @param overwrite replace an existing output table
 */
public record QueryRequest(String index, String queries, boolean self, int k, int nprobe, int efSearch,
    Double threshold, boolean exact, String output, String reportDir, boolean overwrite) {
  public static final int DEFAULT_K = 10;
  /** Lists searched per query: 4 of the default 50 at a million rows reached recall@10 0.99 (docs/benchmarks.md). */
  public static final int DEFAULT_NPROBE = 4;
  /** The HNSW beam: Lucene's searcher keeps this many candidates. */
  public static final int DEFAULT_EF_SEARCH = 64;

  public QueryRequest {
    Objects.requireNonNull(index, "index");
    Objects.requireNonNull(output, "output");
  }

  /** The rules that need no data. */
  public QueryRequest check() {
    if ((queries == null) == !self) {
      throw new IllegalArgumentException("give " + NeighboursArgs.QUERIES + " PATH or " + NeighboursArgs.SELF
          + ", one of them");
    }
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive; k=" + k);
    }
    if (nprobe <= 0) {
      throw new IllegalArgumentException("nprobe must be positive; nprobe=" + nprobe);
    }
    if (efSearch <= 0) {
      throw new IllegalArgumentException("ef-search must be positive; ef-search=" + efSearch);
    }
    if (threshold != null && !self) {
      throw new IllegalArgumentException(NeighboursArgs.THRESHOLD + " finds near-duplicate pairs within the index: it"
          + " needs " + NeighboursArgs.SELF);
    }
    if (threshold != null && !(threshold >= 0)) {
      throw new IllegalArgumentException("threshold must be a distance >= 0; threshold=" + threshold);
    }
    return this;
  }

  /** The command line of this run; parsing it gives this request back. */
  public List<String> toArgs() {
    return new Arguments(NeighboursArgs.COMMAND).word(NeighboursArgs.QUERY).option(NeighboursArgs.INDEX, index)
        .option(NeighboursArgs.QUERIES, queries).flag(NeighboursArgs.SELF, self).option(NeighboursArgs.K, k)
        .option(NeighboursArgs.NPROBE, nprobe).option(NeighboursArgs.EF_SEARCH, efSearch)
        .option(NeighboursArgs.THRESHOLD, threshold).flag(NeighboursArgs.EXACT, exact)
        .option(NeighboursArgs.OUTPUT, output).option(NeighboursArgs.REPORT, reportDir)
        .flag(NeighboursArgs.OVERWRITE, overwrite).words();
  }
}
