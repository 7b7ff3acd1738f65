package dev.magnet.spark.cli;

import dev.magnet.spark.embed.EmbedArgs;
import dev.magnet.spark.embed.EmbedRequest;
import dev.magnet.spark.evaluate.EvaluateArgs;
import dev.magnet.spark.evaluate.EvaluateRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.train.TrainArgs;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.train.TrainingOptions;
import dev.magnet.spark.util.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine;

/** Parsing and argument errors: nothing here starts Spark. */
class TrainCommandTest {
  private static TrainCommand parse(String... args) {
    TrainCommand command = new TrainCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void runFlushesWhatTheCommandPrintedBeforeTheJvmExits() {
    // A buffered writer that is never flushed by println: what main() hands over in a real run.
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    PrintWriter out = new PrintWriter(new java.io.BufferedWriter(new java.io.OutputStreamWriter(bytes)), false);
    int status = MagnetCli.run(out, new PrintWriter(new StringWriter()), "train", "--help");
    assertEquals(0, status);
    assertTrue(bytes.toString().contains("--data=SOURCE"), bytes.toString());
  }

  @Test
  void everyOptionLandsInItsParameter() {
    TrainCommand c = parse("--data", "synthetic:classes=4,dim=16", "--validation", "synthetic:per=10",
        "--limit", "500", "--coarse", "fashion-mnist", "--loss", "triplet", "--network", "resnet-small",
        "--epochs", "7", "-K", "3", "-M", "6", "-D", "5", "--alpha", "0.5", "-L", "20", "--refresh-every", "50",
        "--batches-per-epoch", "40", "--triplet-margin", "0.3", "--kmeans-iterations", "12",
        "--embedding-dim", "32", "--hidden-sizes", "64,48", "--learning-rate", "0.01", "--seed", "99",
        "--averaging-frequency", "3", "--workers", "4", "--checkpoint-dir", "/tmp/ckpt", "--resume",
        "--output", "/tmp/model", "--overwrite", "--master", "local[2]", "--metrics", "/tmp/m.json",
        "--min-metric", "knn1_accuracy=0.8", "--min-metric", "nmi=0.5", "--no-report");
    TrainRequest r = c.request().check();
    assertEquals(new MagnetParams(LossKind.TRIPLET, 3, 6, 5, 0.5, 20, 50, 0, 7, 40, 0.3, 12, 99), r.params());
    NetworkSpec spec = r.network().resolve(InputShape.image(3, 32, 32), r.params().seed());
    assertEquals(new NetworkSpec(Architecture.RESNET_SMALL, InputShape.image(3, 32, 32), 32, List.of(64, 48), 99, 0.01,
        DataType.FLOAT), spec);
    assertEquals(new TrainingOptions("/tmp/ckpt", true, false, 3, TrainingOptions.DEFAULT_AVERAGING_LAG, 4, TrainingOptions.DEFAULT_SMALL_CLASS_LIMIT,
        dev.magnet.spark.train.TrainingMasterKind.AVERAGING),
        r.options());
    assertEquals(DataSource.Kind.SYNTHETIC, r.data().kind());
    assertEquals(Map.of("classes", 4, "dim", 16), r.data().settings());
    assertEquals(Map.of("per", 10), r.validation().settings());
    assertEquals(500, r.limit());
    assertEquals("fashion-mnist", r.coarse());
    assertEquals("/tmp/model", r.output());
    assertTrue(r.overwrite());
    assertFalse(r.report());
    assertEquals("local[2]", c.spark.master);
    assertEquals("/tmp/m.json", r.metricsPath(r.output()));
    assertEquals(Map.of("knn1_accuracy", 0.8, "nmi", 0.5), r.minMetrics());
  }

  @Test
  void optionsLeftOutKeepTheDefaultsStatedInTheParamsTypes() {
    TrainCommand c = parse("--data", "fashion-mnist", "--output", "out/model");
    TrainRequest r = c.request().check();
    assertEquals(MagnetParams.defaults(), r.params());
    assertEquals(TrainingOptions.defaults(), r.options());
    long seed = MagnetParams.DEFAULT_SEED;
    assertEquals(NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.FASHION_MNIST).withSeed(seed),
        r.network().resolve(InputShape.FASHION_MNIST, seed));
    assertEquals(NetworkSpec.of(Architecture.MLP, InputShape.vector(8)).withSeed(seed),
        r.network().resolve(InputShape.vector(8), seed));
    assertEquals("out/model/metrics.json", r.metricsPath(r.output()));
    assertTrue(r.report());
    assertEquals(SparkOptions.DEFAULT_MASTER, c.spark.master);
  }

  /**
   * A request spelled as a command line and parsed again is the same request: what the experiments
   * and the demo print is the run they do.
   */
  @Test
  void aRequestSpelledAsACommandLineParsesBackToItself() {
    List<TrainRequest> requests = List.of(
        parse("--data", "fashion-mnist", "--output", "out/m").request().check(),
        parse("--data", "fashion-mnist", "--output", "out/m", "--pretrained", "out/p", "--learning-rate", "0.003")
            .request().check(),
        parse("--data", "idx:a.idx,b.idx", "--validation", "fashion-mnist-test", "--limit", "500", "--coarse",
            "fashion-mnist", "--loss", "triplet", "--network", "mlp", "--epochs", "2", "-K", "3", "-M", "6", "-D",
            "5", "--alpha", "0.25", "-L", "20", "--refresh-every", "50", "--batches-per-epoch", "40",
            "--triplet-margin", "0.3", "--kmeans-iterations", "12", "--embedding-dim", "32", "--hidden-sizes",
            "64,48", "--learning-rate", "0.0001", "--seed", "99", "--averaging-frequency", "3", "--workers", "4",
            "--checkpoint-dir", "/tmp/ckpt", "--resume", "--output", "/tmp/model", "--overwrite", "--metrics",
            "/tmp/m.json", "--min-metric", "knn1_accuracy=0.8", "--no-report").request().check(),
        parse("--data", "synthetic:classes=4", "--training-master", "sharing", "--workers", "3", "--output", "/m")
            .request().check(),
        parse("--data", "synthetic:classes=4", "--validation", "synthetic:per=3", "--publish-to", "/p", "--run-id",
            "day-1", "--no-worse-than", "latest:0.005", "--compare-metric", "nmi", "--init-from", "/p")
            .request().check(),
        parse("--data", "images:hdfs:///photos/train", "--validation", "images:/photos/held-out", "--labels",
            "/photos/labels.csv", "--image-size", "96x128", "--channels", "3", "--augment", "crop-flip", "--network",
            "resnet-small", "--output", "/m").request().check(),
        parse("--data", "parquet:/t,image=jpeg,label=species", "--image-size", "64", "--augment", "flip", "--output",
            "/m").request().check(),
        parse("--data", "fashion-mnist", "--output", "out/m", "--refreshes-per-epoch", "5").request().check());
    for (TrainRequest request : requests) {
      List<String> args = request.toArgs();
      assertEquals(TrainArgs.COMMAND, args.get(0));
      assertEquals(request, parse(args.subList(1, args.size()).toArray(String[]::new)).request().check(), args
          .toString());
    }
  }

  /** The evaluate and embed requests spell themselves as command lines that parse back to them. */
  @Test
  void evaluateAndEmbedRequestsParseBackToThemselves() {
    EvaluateCommand evaluate = new EvaluateCommand();
    new CommandLine(evaluate).parseArgs("--model", "/m", "--data", "images:/test", "--train-data", "images:/train",
        "--labels", "/l.csv", "--limit", "40", "--json", "/e.json", "--min-metric", "nmi=0.5");
    EvaluateRequest e = evaluate.request();
    List<String> eArgs = e.toArgs();
    assertEquals(EvaluateArgs.COMMAND, eArgs.get(0));
    EvaluateCommand again = new EvaluateCommand();
    new CommandLine(again).parseArgs(eArgs.subList(1, eArgs.size()).toArray(String[]::new));
    assertEquals(e, again.request());

    for (String[] line : List.of(new String[] {"--model", "/m", "--input", "images:/corpus", "--output", "/e"},
        new String[] {"--model", "/m", "--input", "parquet:/t,image=content", "--output", "/e", "--rejects", "/r",
            "--batch-size", "64", "--overwrite"},
        new String[] {"--model", "/m", "--input", "images:/corpus", "--output", "/e", "--incremental"})) {
      EmbedCommand embed = new EmbedCommand();
      new CommandLine(embed).parseArgs(line);
      EmbedRequest request = embed.request().check();
      List<String> args = request.toArgs();
      assertEquals(EmbedArgs.COMMAND, args.get(0));
      EmbedCommand parsed = new EmbedCommand();
      new CommandLine(parsed).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
      assertEquals(request, parsed.request(), args.toString());
    }
  }

  @Test
  void cliSpellingsAreExactlyThese() {
    assertEquals(List.of("magnet", "softmax", "triplet"), spellings(new EnumOption.Loss()));
    assertEquals(List.of("fmnist-cnn", "mlp", "resnet-small"), spellings(new EnumOption.Network()));
    assertEquals(List.of("averaging", "dl4j-averaging", "sharing"), spellings(new EnumOption.Master()));
    Set<String> train = new TreeSet<>(new CommandLine(new TrainCommand()).getCommandSpec().optionsMap().keySet());
    assertEquals(new TreeSet<>(Set.of("--data", "--validation", "--limit", "--labels", "--image-size", "--channels",
        "--augment", "--coarse", "--loss", "--network", "--epochs",
        "-K", "--clusters-per-class", "-M", "--clusters-per-batch", "-D", "--examples-per-cluster", "--alpha", "-L",
        "--nearest-clusters", "--refresh-every", "--refreshes-per-epoch", "--batches-per-epoch", "--triplet-margin",
        "--kmeans-iterations", "--embedding-dim", "--hidden-sizes", "--learning-rate", "--seed",
        "--averaging-frequency", "--averaging-lag", "--workers", "--training-master", "--checkpoint-dir", "--resume", "--resume-if-present",
        "--init-from",
        "--pretrained", "--output",
        "--publish-to", "--run-id", "--no-worse-than", "--compare-metric", "--overwrite", "--master",
        "--metrics", "--min-metric", "--no-report", "-h", "--help", "-V", "--version")), train);
    Set<String> evaluate = new TreeSet<>(new CommandLine(new EvaluateCommand()).getCommandSpec().optionsMap().keySet());
    assertEquals(new TreeSet<>(Set.of("--model", "--data", "--train-data", "--fine-labels-from", "--limit", "--labels",
        "--json", "--report", "--min-metric", "--driver-budget", "--master", "-h", "--help", "-V", "--version")),
        evaluate);
    Set<String> bench = new TreeSet<>(new CommandLine(new BenchCommand()).getCommandSpec().optionsMap().keySet());
    assertEquals(new TreeSet<>(Set.of("--data", "--validation", "--limit", "--epochs", "--cores", "--target-accuracy",
        "--max-epochs", "--output", "--overwrite", "--peer", "--python", "--train-arg", "--skip-peer", "--skip-scaling",
        "--skip-time-to-accuracy", "--corpus", "--corpus-network", "--corpus-peer", "-h", "--help", "-V", "--version")),
        bench);
    Set<String> corpus = new TreeSet<>(new CommandLine(new GenerateCorpusCommand()).getCommandSpec().optionsMap()
        .keySet());
    assertEquals(new TreeSet<>(Set.of("--output", "--format", "--count", "--damaged", "--fashion-mnist", "--split", "-h",
        "--help", "-V", "--version")), corpus);
    assertEquals(List.of("png28", "jpeg96"), spellings(new GenerateCorpusCommand.FormatOption()));
    assertEquals(Set.of("train", "evaluate", "embed", "demo", "bench", "experiment", "generate-corpus", "neighbours"), MagnetCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())).getSubcommands().keySet());
  }

  private static List<String> spellings(Iterable<String> candidates) {
    return StreamSupport.stream(candidates.spliterator(), false).collect(Collectors.toList());
  }

  @Test
  void helpAndVersionWorkAtEveryLevel() {
    for (String[] args : List.of(new String[] {"--help"}, new String[] {"train", "--help"},
        new String[] {"evaluate", "-h"})) {
      CliRun run = CliRun.of(args);
      assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
      assertTrue(run.out().startsWith("Usage: magnet"), run.toString());
    }
    assertTrue(CliRun.of("train", "--help").out().contains("--clusters-per-class"));
    assertTrue(CliRun.of("train", "--help").out().contains("One of: magnet, softmax, triplet; default: magnet."));
    for (String[] args : List.of(new String[] {"--version"}, new String[] {"train", "--version"},
        new String[] {"evaluate", "-V"})) {
      CliRun run = CliRun.of(args);
      assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
      assertTrue(run.out().startsWith("magnet "), run.toString());
    }
  }

  @Test
  void badValuesExitWithStatus2AndSayWhy() {
    assertBadArgument("magnet train: Invalid value for option '--loss': 'magnett' is not one of magnet, softmax, triplet",
        "train", "--data", "fashion-mnist", "--output", "o", "--loss", "magnett");
    assertBadArgument("Invalid value for option '--network': 'fmnist_cnn' is not one of fmnist-cnn, mlp, resnet-small",
        "train", "--data", "fashion-mnist", "--output", "o", "--network", "fmnist_cnn");
    assertBadArgument("Invalid value for option '--data': data must be fashion-mnist",
        "train", "--data", "mnist", "--output", "o");
    assertBadArgument("synthetic settings must be key=value with keys", "train", "--data", "synthetic:clases=3",
        "--output", "o");
    assertBadArgument("magnet train: pass exactly one of --output and --publish-to; output=null, publish-to=null",
        "train", "--data", "fashion-mnist");
    assertBadArgument("--run-id, --no-worse-than and --compare-metric need --publish-to", "train", "--data", "fashion-mnist", "--output",
        "o", "--run-id", "day-1");
    assertBadArgument("--no-worse-than compares held-out metrics; pass --validation", "train", "--data",
        "fashion-mnist", "--publish-to", "p", "--no-worse-than", "latest:0.01");
    assertBadArgument("--no-worse-than tolerance must be finite and >= 0; tolerance=-1.0", "train", "--data",
        "fashion-mnist", "--publish-to", "p", "--no-worse-than", "latest:-1");
    assertBadArgument("magnet train: epochs must be positive; epochs=0",
        "train", "--data", "fashion-mnist", "--output", "o", "--epochs", "0");
    assertBadArgument("clustersPerBatch (M) must be at least 2", "train", "--data", "fashion-mnist", "--output", "o",
        "-M", "1");
    assertBadArgument("give the refresh interval one way, refreshEveryBatches or refreshesPerEpoch; refreshEveryBatches=50,"
        + " refreshesPerEpoch=2", "train", "--data", "fashion-mnist", "--output", "o", "--refresh-every", "50",
        "--refreshes-per-epoch", "2");
    assertBadArgument("refreshesPerEpoch must be >= 0", "train", "--data", "fashion-mnist", "--output", "o",
        "--refreshes-per-epoch", "-1");
    assertBadArgument("resume needs a checkpoint directory; checkpointDir=null",
        "train", "--data", "fashion-mnist", "--output", "o", "--resume");
    assertBadArgument("--limit must be positive; limit=0", "train", "--data", "fashion-mnist", "--output", "o",
        "--limit", "0");
    assertBadArgument("--limit applies to IDX, Fashion-MNIST, synthetic data and image folders; data=parquet:t.parquet",
        "train", "--data", "parquet:t.parquet", "--output", "o", "--limit", "10");
    assertBadArgument("--min-metric name must be one of", "train", "--data", "fashion-mnist", "--output", "o",
        "--validation", "fashion-mnist-test", "--min-metric", "knn_accuracy=0.5");
    assertBadArgument("--min-metric gates the final validation metrics; pass --validation",
        "train", "--data", "fashion-mnist", "--output", "o", "--min-metric", "nmi=0.5");
    assertBadArgument("synthetic validation is held out of synthetic training data",
        "train", "--data", "fashion-mnist", "--output", "o", "--validation", "synthetic");
    assertBadArgument("--pretrained starts a fresh run from another model's network body; --init-from continues a"
        + " model: pass one of them", "train", "--data", "fashion-mnist", "--output", "o", "--pretrained", "m",
        "--init-from", "m");
    assertBadArgument("--network, --embedding-dim and --hidden-sizes come from the --pretrained model; leave them out",
        "train", "--data", "fashion-mnist", "--output", "o", "--pretrained", "m", "--embedding-dim", "32");
    assertBadArgument("Invalid value for option '--training-master': 'shared' is not one of averaging, dl4j-averaging, sharing",
        "train", "--data", "fashion-mnist", "--output", "o", "--training-master", "shared");
    assertBadArgument("--averaging-frequency applies to --training-master averaging and dl4j-averaging; gradient sharing has no averaging"
        + " rounds: training-master=sharing, averaging-frequency=5", "train", "--data", "fashion-mnist", "--output", "o",
        "--training-master", "sharing", "--averaging-frequency", "5");
    assertBadArgument("--averaging-lag applies to --training-master averaging, whose rounds run in one Spark stage:"
        + " training-master=dl4j-averaging, averaging-lag=3", "train", "--data", "fashion-mnist", "--output", "o",
        "--training-master", "dl4j-averaging", "--averaging-lag", "3");
    assertBadArgument("averagingLag must be >= 0 (0 = in step); averagingLag=-1", "train", "--data", "fashion-mnist",
        "--output", "o", "--averaging-lag", "-1");
    assertBadArgument("Missing required subcommand", new String[0]);
    assertBadArgument("Possible solutions: --epochs", "train", "--data", "fashion-mnist", "--output", "o",
        "--epoch", "3");
  }

  private static void assertBadArgument(String message, String... args) {
    CliRun run = CliRun.of(args);
    assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), run.toString());
    assertTrue(run.err().contains(message), run.toString());
    assertFalse(run.err().contains("\tat "), "no stack trace without --verbose: " + run);
  }
}
