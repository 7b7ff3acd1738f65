package dev.magnet.spark.cli;

import dev.magnet.spark.neighbours.BuildRequest;
import dev.magnet.spark.neighbours.IndexBuildJob;
import dev.magnet.spark.neighbours.NeighboursArgs;
import dev.magnet.spark.neighbours.VectorMetric;
import dev.magnet.spark.util.JobException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code neighbours build}. */
@Command(name = NeighboursArgs.BUILD,
    description = "Build an index of an embeddings table: MLlib K-means lists, one Lucene HNSW graph per list,"
        + " built on the executors, stored on any Hadoop file system.")
public final class NeighboursBuildCommand extends SparkCommand {
  @Option(names = NeighboursArgs.EMBEDDINGS, required = true, paramLabel = "PATH",
      description = "The embeddings table (Parquet of 'embed': id, embedding array<float>, path, label, model).")
  String embeddings;

  @Option(names = NeighboursArgs.OUTPUT, required = true, paramLabel = "INDEX", description = "The index directory.")
  String output;

  @Option(names = NeighboursArgs.LISTS, paramLabel = "N",
      description = "IVF lists (K-means centroids); default: one per " + BuildRequest.ROWS_PER_LIST + " rows.")
  Integer lists;

  @Option(names = NeighboursArgs.MAX_CONN, paramLabel = "M", defaultValue = "16",
      description = "HNSW M, neighbours per node (2M on the bottom level); default: ${DEFAULT-VALUE}.")
  int maxConn;

  @Option(names = NeighboursArgs.BEAM_WIDTH, paramLabel = "EF", defaultValue = "100",
      description = "HNSW beam width while building (efConstruction); default: ${DEFAULT-VALUE}.")
  int beamWidth;

  @Option(names = NeighboursArgs.METRIC, converter = NeighboursCommand.Metric.class, completionCandidates = NeighboursCommand.Metric.class,
      defaultValue = "euclidean", paramLabel = "METRIC", description = "${COMPLETION-CANDIDATES}; default: "
      + "${DEFAULT-VALUE}.")
  VectorMetric metric;

  @Option(names = NeighboursArgs.SEED, paramLabel = "S", defaultValue = "" + BuildRequest.DEFAULT_SEED,
      description = "Seeds K-means and the graphs; default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = NeighboursArgs.INCREMENTAL, description = "Add the rows whose ids the index at --output lacks"
      + " (a full build when there is no index yet).")
  boolean incremental;

  @Option(names = NeighboursArgs.OVERWRITE, description = "Replace an existing index.")
  boolean overwrite;

  BuildRequest request() {
    return new BuildRequest(embeddings, output, lists, maxConn, beamWidth, metric, seed, incremental, overwrite)
        .check();
  }

  @Override
  public Integer call() {
    BuildRequest request = JobException.argument(this::request);
    try (SparkOptions.Session session = spark.session("magnet neighbours build")) {
      return new IndexBuildJob(session.spark(), spark.out()).run(request);
    }
  }
}
