package dev.magnet.spark.cli;

import dev.magnet.core.nn.Architecture;
import dev.magnet.spark.bench.BenchRequest;
import dev.magnet.spark.bench.BenchRunner;
import dev.magnet.spark.bench.CorpusBench;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.util.JobException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code magnet bench}: the options of a {@link BenchRequest}, run by {@link BenchRunner}: Magnet
 * against the PyTorch yardstick in one sitting, as ratios (docs/benchmarks.md). Every Magnet run is
 * a child JVM of this one running {@link MagnetCli}.
 */
@Command(name = "bench",
    description = {"Benchmark Magnet against the PyTorch yardstick on Fashion-MNIST, in one sitting, as ratios.",
        "Runs the peer, Magnet (a child JVM running 'train'), the peer again; then Magnet on local[1], and the"
            + " training time to a 1-NN test accuracy. Writes DIR/bench.md and DIR/bench.json."})
public final class BenchCommand extends MagnetCommand {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", converter = Converters.Data.class, paramLabel = "SOURCE", defaultValue = "fashion-mnist",
      description = "Training data, the forms of train --data (default: ${DEFAULT-VALUE}; the peer reads"
          + " Fashion-MNIST only, so other data needs --skip-peer).")
  DataSource data;

  @Option(names = "--validation", converter = Converters.Data.class, paramLabel = "SOURCE",
      defaultValue = "fashion-mnist-test",
      description = "Held-out data of the time-to-accuracy section (default: ${DEFAULT-VALUE}).")
  DataSource validation;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20000",
      description = "Training examples of the throughput runs, the first N (default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "1",
      description = "Epochs of the throughput runs (default: ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--cores", paramLabel = "N", defaultValue = "2",
      description = "Magnet's local[N] and the peer's --threads (default: ${DEFAULT-VALUE}); the scaling run is"
          + " local[1] against it.")
  int cores;

  @Option(names = "--target-accuracy", paramLabel = "ACC", defaultValue = "0.85",
      description = "The 1-NN test accuracy of the time-to-accuracy section (default: ${DEFAULT-VALUE}).")
  double targetAccuracy;

  @Option(names = "--max-epochs", paramLabel = "E", defaultValue = "3",
      description = "Epochs the time-to-accuracy section tries at most, on the full training set (default:"
          + " ${DEFAULT-VALUE}).")
  int maxEpochs;

  @Option(names = "--output", paramLabel = "DIR", defaultValue = "out/bench",
      description = "Where the runs, bench.md and bench.json go (default: ${DEFAULT-VALUE}).")
  Path output;

  @Option(names = "--overwrite", description = "Empty an existing, non-empty --output first.")
  boolean overwrite;

  @Option(names = "--peer", paramLabel = "PATH", defaultValue = BenchRequest.DEFAULT_PEER,
      description = "The yardstick script (default: ${DEFAULT-VALUE}, against the working directory).")
  Path peer;

  @Option(names = "--python", paramLabel = "PATH", defaultValue = BenchRequest.DEFAULT_PYTHON,
      description = "The Python with torch and sklearn that runs it (default: ${DEFAULT-VALUE}).")
  Path python;

  @Option(names = "--train-arg", paramLabel = "ARG",
      description = "One more argument of every Magnet run, repeatable: --train-arg=--averaging-frequency=20."
          + " Not the options the bench sets: " + "--data, --validation, --limit, --epochs, --output, -K, -M, -D, ...")
  List<String> trainArgs = new ArrayList<>();

  @Option(names = "--corpus", paramLabel = "images:DIR", description = "Instead of the training sections: embed the"
      + " image folder DIR with 'embed' and with the PyTorch folder loader (--corpus-peer), images/s in the job and for"
      + " the whole command, peak RSS, ratios (DIR/corpus.md).")
  String corpus;

  @Option(names = "--corpus-network", paramLabel = "NET", defaultValue = "fmnist-cnn", converter = EnumOption.Network.class,
      description = "The network of --corpus: fmnist-cnn (1x28x28) or resnet-small (3 channels at the images' size);"
          + " untrained, as the yardstick's (default: ${DEFAULT-VALUE}).")
  Architecture corpusNetwork;

  @Option(names = "--corpus-peer", paramLabel = "PATH", defaultValue = CorpusBench.DEFAULT_PEER,
      description = "The yardstick of --corpus (default: ${DEFAULT-VALUE}, against the working directory).")
  Path corpusPeer;

  @Option(names = "--skip-peer", description = "Run Magnet only (no yardstick, no ratios).")
  boolean skipPeer;

  @Option(names = "--skip-scaling", description = "Skip the local[1] run.")
  boolean skipScaling;

  @Option(names = "--skip-time-to-accuracy", description = "Skip the time-to-accuracy section (several minutes:"
      + " it trains on the full training set).")
  boolean skipTimeToAccuracy;

  /** The request the options state. */
  BenchRequest request() {
    return new BenchRequest(data, validation, limit, epochs, cores, targetAccuracy, maxEpochs, output, overwrite, peer,
        python, trainArgs, skipPeer, skipScaling, skipTimeToAccuracy, BenchRunner.childJvm(MagnetCli.class.getName()));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (corpus != null) {
      return CorpusBench.run(JobException.argument(() -> new CorpusBench.Settings(
          Path.of(corpus.replaceFirst("^images:", "")), corpusNetwork, cores, python,
          skipPeer ? null : corpusPeer.toAbsolutePath().normalize(), BenchRunner.childJvm(MagnetCli.class.getName()))),
          output, overwrite, spec.commandLine().getOut());
    }
    return new BenchRunner(request(), spec.commandLine().getOut()).run();
  }
}
