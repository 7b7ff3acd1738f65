package dev.magnet.spark.neighbours;

import dev.magnet.spark.util.Arguments;
import java.util.List;
import java.util.Objects;

/**
 * One {@code neighbours recall} run as typed values: recall@k of the index against the exact
 * search on a seeded sample of queries.
 *
 * @param index the index directory
 * @param queries a table to sample queries from, or null for the index's own items (each then not its own neighbour)
 * @param sample queries in the sample
 * @param k the k of recall@k
 * @param nprobe lists searched per query
 * @param efSearch the HNSW beam while searching
 * @param seed picks the sample
 * @param json where the figures also go as JSON, or null
 */
public record RecallRequest(String index, String queries, int sample, int k, int nprobe, int efSearch, long seed,
    String json) {
  public static final int DEFAULT_SAMPLE = 10_000;

  public RecallRequest {
    Objects.requireNonNull(index, "index");
  }

  /** The rules that need no data. */
  public RecallRequest check() {
    if (sample <= 0) {
      throw new IllegalArgumentException("sample must be positive; sample=" + sample);
    }
    new QueryRequest(index, queries, queries == null, k, nprobe, efSearch, null, false, "-", null, false).check();
    return this;
  }

  /** The command line of this run; parsing it gives this request back. */
  public List<String> toArgs() {
    return new Arguments(NeighboursArgs.COMMAND).word(NeighboursArgs.RECALL).option(NeighboursArgs.INDEX, index)
        .option(NeighboursArgs.QUERIES, queries).option(NeighboursArgs.SAMPLE, sample).option(NeighboursArgs.K, k)
        .option(NeighboursArgs.NPROBE, nprobe).option(NeighboursArgs.EF_SEARCH, efSearch)
        .option(NeighboursArgs.SEED, seed).option(NeighboursArgs.JSON, json).words();
  }
}
