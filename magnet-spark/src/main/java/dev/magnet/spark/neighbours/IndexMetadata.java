package dev.magnet.spark.neighbours;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code metadata.json} of an index directory: what was indexed and how, and the list files it
 * consists of (docs/design.md, "The neighbour index").
 *
 * @param format the directory's format version ({@link IndexDirectory#FORMAT})
 * @param magnetVersion the Magnet version that wrote it
 * @param model the {@code model} column of the indexed table (the model version that embedded it), or null
 * @param dimension the embedding width
 * @param metric {@link VectorMetric}, spelled as on the command line
 * @param maxConn HNSW M
 * @param beamWidth HNSW beam width while building (efConstruction)
 * @param seed seeds K-means, its sample and the graphs' levels
 * @param rows items indexed
 * @param generation 1 for a full build, one more for each incremental build
 * @param source the table last built from
 * @param builtAt when the last build finished (ISO-8601)
 * @param centroids one K-means centroid per list (prepared like the vectors)
 * @param lists the list files, list i at position i
 */
public record IndexMetadata(@JsonProperty("format") int format, @JsonProperty("magnet_version") String magnetVersion,
    @JsonProperty("model") String model, @JsonProperty("dimension") int dimension,
    @JsonProperty("metric") String metric, @JsonProperty("max_conn") int maxConn,
    @JsonProperty("beam_width") int beamWidth, @JsonProperty("seed") long seed, @JsonProperty("rows") long rows,
    @JsonProperty("generation") int generation, @JsonProperty("source") String source,
    @JsonProperty("built_at") String builtAt, @JsonProperty("centroids") float[][] centroids,
    @JsonProperty("lists") List<ListFile> lists) {

  /** The number of lists. */
  public int listCount() {
    return lists.size();
  }
}
