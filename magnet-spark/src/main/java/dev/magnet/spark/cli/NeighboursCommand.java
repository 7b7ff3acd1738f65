package dev.magnet.spark.cli;

import dev.magnet.spark.neighbours.LshBaseline;
import dev.magnet.spark.neighbours.NeighboursArgs;
import dev.magnet.spark.neighbours.QueryRequest;
import dev.magnet.spark.neighbours.VectorMetric;
import dev.magnet.spark.util.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
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
    subcommands = {NeighboursBuildCommand.class, NeighboursQueryCommand.class, NeighboursRecallCommand.class,
        NeighboursGenerateCommand.class, NeighboursLshCommand.class},
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

  /** {@code --index} of the subcommands that search an index (query, recall). */
  static final class IndexOption {
    @Option(names = NeighboursArgs.INDEX, required = true, paramLabel = "INDEX", description = "The index directory.")
    String path;
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
}
