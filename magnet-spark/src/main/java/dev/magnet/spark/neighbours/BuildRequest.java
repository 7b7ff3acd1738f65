package dev.magnet.spark.neighbours;

import dev.magnet.core.params.EnumSpelling;
import dev.magnet.spark.util.Arguments;
import java.util.List;
import java.util.Objects;

/**
 * One {@code neighbours build} run as typed values.
 *
 * @param embeddings the embeddings table (Parquet: id, embedding, and path, label, model when present)
 * @param output the index directory, on any Hadoop file system
 * @param lists IVF lists (K-means centroids), or null for one per {@value #ROWS_PER_LIST} rows
 * @param maxConn HNSW M
 * @param beamWidth HNSW beam width while building
 * @param metric the distance
 * @param seed seeds K-means and the graphs
 * @param incremental add the table's rows the index does not hold to the index at {@code output}
 * @param overwrite replace an existing index
 */
public record BuildRequest(String embeddings, String output, Integer lists, int maxConn, int beamWidth,
    VectorMetric metric, long seed, boolean incremental, boolean overwrite) {
  /** Rows per list when {@code --lists} is not given: a graph per task of a size one task builds in seconds. */
  public static final int ROWS_PER_LIST = 20_000;
  /** Lucene's bound on M (HnswGraphBuilder): larger graphs gain nothing. */
  public static final int MAX_MAX_CONN = 512;
  /** Lucene's bound on the beam width. */
  public static final int MAX_BEAM_WIDTH = 3200;
  public static final long DEFAULT_SEED = 42;

  public BuildRequest {
    Objects.requireNonNull(embeddings, "embeddings");
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(metric, "metric");
  }

  /** The rules that need no data. */
  public BuildRequest check() {
    if (lists != null && lists <= 0) {
      throw new IllegalArgumentException("lists must be positive; lists=" + lists);
    }
    if (maxConn <= 0 || maxConn > MAX_MAX_CONN) {
      throw new IllegalArgumentException("max-conn must be positive and <= " + MAX_MAX_CONN + "; max-conn=" + maxConn);
    }
    if (beamWidth <= 0 || beamWidth > MAX_BEAM_WIDTH) {
      throw new IllegalArgumentException("beam-width must be positive and <= " + MAX_BEAM_WIDTH + "; beam-width="
          + beamWidth);
    }
    if (incremental && overwrite) {
      throw new IllegalArgumentException(NeighboursArgs.INCREMENTAL + " adds to the index and "
          + NeighboursArgs.OVERWRITE + " replaces it: give one");
    }
    return this;
  }

  /** The lists for a table of {@code rows}: the requested number, or one per {@link #ROWS_PER_LIST}, at most one per row. */
  public int listsFor(long rows) {
    long wanted = lists != null ? lists : Math.max(1, (rows + ROWS_PER_LIST - 1) / ROWS_PER_LIST);
    return (int) Math.min(wanted, rows);
  }

  /** The command line of this run; parsing it gives this request back. */
  public List<String> toArgs() {
    return new Arguments(NeighboursArgs.COMMAND).word(NeighboursArgs.BUILD)
        .option(NeighboursArgs.EMBEDDINGS, embeddings).option(NeighboursArgs.OUTPUT, output)
        .option(NeighboursArgs.LISTS, lists).option(NeighboursArgs.MAX_CONN, maxConn)
        .option(NeighboursArgs.BEAM_WIDTH, beamWidth).option(NeighboursArgs.METRIC, EnumSpelling.of(metric))
        .option(NeighboursArgs.SEED, seed).flag(NeighboursArgs.INCREMENTAL, incremental)
        .flag(NeighboursArgs.OVERWRITE, overwrite).words();
  }
}
