package dev.magnet.spark.cli;

import dev.magnet.spark.neighbours.BuildRequest;
import dev.magnet.spark.neighbours.IndexBuildJob;
import dev.magnet.spark.neighbours.IndexQueryJob;
import dev.magnet.spark.neighbours.LshBaseline;
import dev.magnet.spark.neighbours.MixtureGenerator;
import dev.magnet.spark.neighbours.NeighboursArgs;
import dev.magnet.spark.neighbours.QueryRequest;
import dev.magnet.spark.neighbours.RecallJob;
import dev.magnet.spark.neighbours.RecallRequest;
import dev.magnet.spark.neighbours.VectorMetric;
import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code magnet neighbours build|query|recall|generate|lsh}: the nearest-neighbour index over an
 * embeddings table ({@code dev.magnet.spark.neighbours}); each subcommand is its options plus one
 * call into its job.
 */
@Command(name = NeighboursArgs.COMMAND, mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
    exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, synopsisSubcommandLabel = "SUBCOMMAND",
    subcommands = {NeighboursCommand.Build.class, NeighboursCommand.Query.class, NeighboursCommand.Recall.class,
        NeighboursCommand.Generate.class, NeighboursCommand.Lsh.class},
    description = "Search an embeddings table: build an index (IVF lists of HNSW graphs), query it, measure its"
        + " recall against exact search.")
public final class NeighboursCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "Missing required subcommand: build, query, recall, generate or lsh");
  }

  /** {@code --metric}: euclidean, cosine. */
  static final class Metric extends EnumOption<VectorMetric> {
    Metric() {
      super(VectorMetric.class);
    }
  }

  /** {@code --mode} of lsh: nearest, join. */
  static final class LshMode extends EnumOption<LshBaseline.Mode> {
    LshMode() {
      super(LshBaseline.Mode.class);
    }
  }

  /** The options of a search: k, nprobe, the beam. */
  static final class SearchOptions {
    @Option(names = NeighboursArgs.K, paramLabel = "K", defaultValue = "" + QueryRequest.DEFAULT_K,
        description = "Neighbours per query; default: ${DEFAULT-VALUE}.")
    int k;

    @Option(names = NeighboursArgs.NPROBE, paramLabel = "P", defaultValue = "" + QueryRequest.DEFAULT_NPROBE,
        description = "Lists searched per query (of the index's --lists); default: ${DEFAULT-VALUE}.")
    int nprobe;

    @Option(names = NeighboursArgs.EF_SEARCH, paramLabel = "EF", defaultValue = "" + QueryRequest.DEFAULT_EF_SEARCH,
        description = "Candidates the HNSW search keeps (at least K+1 are); default: ${DEFAULT-VALUE}.")
    int efSearch;
  }

  /** {@code neighbours build}. */
  @Command(name = NeighboursArgs.BUILD, mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
      exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
      description = "Build an index of an embeddings table: MLlib K-means lists, one Lucene HNSW graph per list,"
          + " built on the executors, stored on any Hadoop file system.")
  static final class Build implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

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

    @Option(names = NeighboursArgs.METRIC, converter = Metric.class, completionCandidates = Metric.class,
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
        return new IndexBuildJob(session.spark(), spec.commandLine().getOut()).run(request);
      }
    }
  }

  /** {@code neighbours query}. */
  @Command(name = NeighboursArgs.QUERY, mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
      exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
      description = "The k nearest items of each query, or near-duplicate pairs (--self --threshold), as Parquet.")
  static final class Query implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

    @Option(names = NeighboursArgs.INDEX, required = true, paramLabel = "INDEX", description = "The index directory.")
    String index;

    @Option(names = NeighboursArgs.QUERIES, paramLabel = "PATH", description = "A table of query embeddings.")
    String queries;

    @Option(names = NeighboursArgs.SELF, description = "Query the index's own items (none is its own neighbour).")
    boolean self;

    @Mixin
    SearchOptions search;

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
      SearchOptions s = search;
      return new QueryRequest(index, queries, self, s.k, s.nprobe, s.efSearch, threshold, exact, output, report,
          overwrite).check();
    }

    @Override
    public Integer call() {
      QueryRequest request = JobException.argument(this::request);
      try (SparkOptions.Session session = spark.session("magnet neighbours query")) {
        return new IndexQueryJob(session.spark(), spec.commandLine().getOut()).run(request);
      }
    }
  }

  /** {@code neighbours recall}. */
  @Command(name = NeighboursArgs.RECALL, mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
      exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
      description = "Recall@k of the index against the exact search on a seeded sample of queries.")
  static final class Recall implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

    @Option(names = NeighboursArgs.INDEX, required = true, paramLabel = "INDEX", description = "The index directory.")
    String index;

    @Option(names = NeighboursArgs.QUERIES, paramLabel = "PATH",
        description = "Sample the queries from this table; default: the index's own items.")
    String queries;

    @Option(names = NeighboursArgs.SAMPLE, paramLabel = "N", defaultValue = "" + RecallRequest.DEFAULT_SAMPLE,
        description = "Queries in the sample; default: ${DEFAULT-VALUE}.")
    int sample;

    @Mixin
    SearchOptions search;

    @Option(names = NeighboursArgs.SEED, paramLabel = "S", defaultValue = "" + BuildRequest.DEFAULT_SEED,
        description = "Picks the sample; default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = NeighboursArgs.JSON, paramLabel = "PATH", description = "Also write the figures here as JSON.")
    String json;

    RecallRequest request() {
      SearchOptions s = search;
      return new RecallRequest(index, queries, sample, s.k, s.nprobe, s.efSearch, seed, json).check();
    }

    @Override
    public Integer call() {
      RecallRequest request = JobException.argument(this::request);
      try (SparkOptions.Session session = spark.session("magnet neighbours recall")) {
        return new RecallJob(session.spark(), spec.commandLine().getOut()).run(request);
      }
    }
  }

  /** {@code neighbours generate}. */
  @Command(name = NeighboursArgs.GENERATE, mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
      exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
      description = "Write a seeded Gaussian mixture as an embeddings table (the scale test's corpus and queries).")
  static final class Generate implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

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
        return new MixtureGenerator(session.spark(), spec.commandLine().getOut()).run(request);
      }
    }
  }

  /** {@code neighbours lsh}. */
  @Command(name = NeighboursArgs.LSH, mixinStandardHelpOptions = true, versionProvider = MagnetCli.Version.class,
      exitCodeOnInvalidInput = ExitCodes.BAD_ARGUMENTS, sortOptions = false,
      description = "The yardstick: Spark ML's BucketedRandomProjectionLSH on the same data, its recall@k against"
          + " exact search and its query rate.")
  static final class Lsh implements Callable<Integer> {
    @Mixin
    SparkOptions spark;

    @Spec
    CommandSpec spec;

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

    @Option(names = NeighboursArgs.MODE, converter = LshMode.class, completionCandidates = LshMode.class,
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
        return new LshBaseline(session.spark(), spec.commandLine().getOut()).run(request);
      }
    }
  }
}
