package dev.magnet.it.script;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.cli.MagnetCli;
import dev.magnet.spark.cli.TrainCommand;
import dev.magnet.spark.ml.MagnetEstimator;
import dev.magnet.spark.train.TrainRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** conf/ and the script's lists agree with what they describe, so that none of them can go stale. */
class ConfTest {
  private static final Path CONF = Script.ROOT.resolve("conf");
  /** spark-submit options that ./spark-submit gives to the Magnet command instead (its help, version, stack traces). */
  private static final Set<String> ROUTED_TO_MAGNET = Set.of("--help", "-h", "--version", "--verbose");

  private static List<String> java17Options() throws IOException {
    return Files.readAllLines(CONF.resolve("java17-options")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }

  /** A property of conf/spark-defaults.conf, split on whitespace. */
  private static List<String> sparkDefault(String key) throws IOException {
    for (String line : Files.readAllLines(CONF.resolve("spark-defaults.conf"))) {
      String[] kv = line.strip().split("\\s+", 2);
      if (kv[0].equals(key)) {
        return Arrays.asList(kv[1].strip().split("\\s+"));
      }
    }
    throw new AssertionError(key + " is not in conf/spark-defaults.conf");
  }

  @Test
  void sparkDefaultsCarryTheJava17OptionsForDriverAndExecutors() throws IOException {
    List<String> options = java17Options();
    assertTrue(options.contains("-Djavacpp.platform.extension=-onednn"), options.toString());
    assertTrue(options.contains("--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"), options.toString());
    assertEquals(options, sparkDefault("spark.driver.defaultJavaOptions"));
    assertEquals(options, sparkDefault("spark.executor.defaultJavaOptions"));
    assertEquals(List.of("org.apache.spark.serializer.KryoSerializer"), sparkDefault("spark.serializer"));
    assertEquals(List.of("dev.magnet.spark.serde.MagnetKryoRegistrator"), sparkDefault("spark.kryo.registrator"));
  }

  @Test
  void theTestsArgLineHasTheJava17Options() throws IOException {
    String pom = Files.readString(Script.ROOT.resolve("pom.xml"));
    List<String> argLine = new ArrayList<>();
    for (String property : List.of("magnet.jvm.opens", "magnet.jvm.nd4j")) {
      Matcher m = Pattern.compile("<" + Pattern.quote(property) + ">([^<]*)</").matcher(pom);
      assertTrue(m.find(), property);
      argLine.addAll(Arrays.asList(m.group(1).strip().split("\\s+")));
    }
    assertTrue(argLine.containsAll(java17Options()), "missing from pom.xml's argLine: "
        + java17Options().stream().filter(o -> !argLine.contains(o)).toList());
  }

  /** The option names of one of the script's bash arrays, e.g. SPARK_SWITCHES=(--supervise -v). */
  private static Set<String> scriptList(String name) throws IOException {
    String script = Files.readString(Script.ROOT.resolve("spark-submit"));
    Matcher m = Pattern.compile("(?m)^" + name + "=\\(([^)]*)\\)").matcher(script);
    assertTrue(m.find(), name);
    return new TreeSet<>(Arrays.asList(m.group(1).strip().split("\\s+")));
  }

  /**
   * Spark's own list: the {@code opts} and {@code switches} of its launcher's option parser, read
   * from an instance of the validator {@code SparkLauncher.addSparkArg} uses.
   */
  private static Set<String> sparkOptions(String field) throws ReflectiveOperationException {
    Class<?> validator = Class.forName("org.apache.spark.launcher.AbstractLauncher$ArgumentValidator");
    Constructor<?> constructor = validator.getDeclaredConstructor(boolean.class);
    constructor.setAccessible(true);
    Object parser = constructor.newInstance(true);
    Field names = Class.forName("org.apache.spark.launcher.SparkSubmitOptionParser").getDeclaredField(field);
    names.setAccessible(true);
    return Arrays.stream((String[][]) names.get(parser)).flatMap(Arrays::stream)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void theScriptKnowsExactlySpark35sSubmitOptions() throws Exception {
    assertEquals(sparkOptions("opts"), scriptList("SPARK_VALUE_OPTIONS"));
    Set<String> switches = new TreeSet<>(sparkOptions("switches"));
    switches.removeAll(ROUTED_TO_MAGNET);
    assertEquals(switches, scriptList("SPARK_SWITCHES"));
    assertTrue(sparkOptions("opts").containsAll(scriptList("EMBEDDED_OPTIONS")));
  }

  /**
   * ./spark-submit sends spark-submit's options to Spark wherever they stand, so a Magnet option of
   * the same name would never reach its command; --master is shared on purpose (the embedded mode
   * passes it on).
   */
  @Test
  void noMagnetOptionIsNamedLikeASparkSubmitOption() throws Exception {
    Set<String> spark = new TreeSet<>(sparkOptions("opts"));
    spark.addAll(sparkOptions("switches"));
    spark.removeAll(ROUTED_TO_MAGNET);
    spark.remove("--master");
    List<String> clashes = new ArrayList<>();
    PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
    CommandLine cli = MagnetCli.commandLine(nowhere, nowhere);
    List<CommandLine> commands = new ArrayList<>(cli.getSubcommands().values());
    for (int i = 0; i < commands.size(); i++) {
      CommandLine command = commands.get(i);
      commands.addAll(command.getSubcommands().values()); // neighbours build, query, ...
      for (OptionSpec option : command.getCommandSpec().options()) {
        for (String name : option.names()) {
          if (spark.contains(name)) {
            clashes.add(command.getCommandSpec().qualifiedName() + " " + name);
          }
        }
      }
    }
    assertEquals(List.of(), clashes);
  }

  /** conf/train.args as ./spark-submit reads it. */
  private static List<String> trainArgs() throws IOException {
    return argsFile(CONF.resolve("train.args"));
  }

  /** A job configuration file as ./spark-submit reads it: # starts a comment, words are whitespace-separated. */
  private static List<String> argsFile(Path file) throws IOException {
    return Files.readAllLines(file).stream().map(l -> l.replaceAll("#.*", "").strip())
        .filter(l -> !l.isEmpty()).flatMap(l -> Stream.of(l.split("\\s+"))).toList();
  }

  /** {@code train}'s request for a configuration file's options, on synthetic data. */
  private static TrainRequest trainRequest(List<String> fileArgs) {
    List<String> args = new ArrayList<>(fileArgs);
    args.addAll(List.of("--data", "synthetic", "--output", "model"));
    TrainCommand train = new TrainCommand();
    new CommandLine(train).parseArgs(args.toArray(String[]::new));
    return train.request().check();
  }

  /**
   * Magnet's defaults are its tuned configuration (docs/results.md, "Defaults"):
   * conf/tuned/magnet.args changes nothing (its one refresh an epoch is the default's once per
   * epoch), conf/tuned/paper.args brings back the paper's α, width and rate, and every file of
   * conf/tuned is a train configuration of the loss it is named after.
   */
  @Test
  void magnetsDefaultsAreItsTunedConfiguration() throws IOException {
    Path tunedDir = CONF.resolve("tuned");
    TrainRequest tuned = trainRequest(argsFile(tunedDir.resolve("magnet.args")));
    TrainRequest defaults = TrainRequest.of(tuned.data(), "model");
    assertEquals(defaults.params(), tuned.params().withRefreshesPerEpoch(0));
    assertEquals(defaults.params().refreshEvery(60_000), tuned.params().refreshEvery(60_000));
    NetworkSpec defaultNetwork = defaults.network().resolve(InputShape.FASHION_MNIST, MagnetParams.DEFAULT_SEED);
    assertEquals(defaultNetwork, tuned.network().resolve(InputShape.FASHION_MNIST, tuned.params().seed()));

    TrainRequest paper = trainRequest(argsFile(tunedDir.resolve("paper.args")));
    NetworkSpec paperNetwork = paper.network().resolve(InputShape.FASHION_MNIST, paper.params().seed());
    assertEquals(List.of(1.0, 64, 1e-3), List.of(paper.params().alpha(), paperNetwork.embeddingDim(),
        paperNetwork.learningRate()));
    assertEquals(defaults.params().withAlpha(1.0), paper.params(), "only α, the width and the rate differ");
    assertEquals(defaultNetwork.withEmbeddingDim(64).withLearningRate(1e-3), paperNetwork);

    try (Stream<Path> files = Files.list(tunedDir)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString().replace(".args", "");
        LossKind loss = trainRequest(argsFile(file)).params().loss();
        assertEquals(name.equals("paper") ? "magnet" : name, EnumSpelling.of(loss), file.toString());
      }
    }
  }

  @Test
  void theExampleJobConfigurationNamesEveryTrainOption() throws IOException {
    String text = Files.readString(CONF.resolve("train.args"));
    List<String> missing = new ArrayList<>();
    for (OptionSpec option : new CommandLine(new TrainCommand()).getCommandSpec().options()) {
      if (!option.usageHelp() && !option.versionHelp()
          && !Pattern.compile("(?m)^#?\\s*" + Pattern.quote(option.longestName()) + "\\b").matcher(text).find()) {
        missing.add(option.longestName());
      }
    }
    assertEquals(List.of(), missing, "train options missing from conf/train.args");
  }

  @Test
  void theExampleJobConfigurationChangesNoDefault() throws IOException {
    List<String> args = trainArgs();
    TrainRequest request = trainRequest(args);
    TrainRequest defaults = TrainRequest.of(request.data(), "model");
    assertEquals(defaults.params(), request.params());
    assertEquals(defaults.network().resolve(InputShape.FASHION_MNIST, MagnetParams.DEFAULT_SEED),
        request.network().resolve(InputShape.FASHION_MNIST, request.params().seed()));
    assertEquals(defaults.options(), request.options());
    assertTrue(args.containsAll(List.of("--clusters-per-class", "--alpha", "--learning-rate", "--epochs")),
        args.toString());
  }

  /**
   * The command and the Spark ML API take the same hyper-parameters: every param of the estimator
   * that is not a column or the input's shape (which the command reads off the data, or takes as
   * --image-size and --channels of image files) is a train option of the same name in kebab case
   * (refreshEveryBatches is --refresh-every), and conf/train.args names it; every train option of
   * what is learned and how the job runs is a param.
   */
  @Test
  void theCommandAndTheSparkMlApiTakeTheSameHyperParameters() throws IOException {
    Set<String> options = new CommandLine(new TrainCommand()).getCommandSpec().optionsMap().keySet();
    String text = Files.readString(CONF.resolve("train.args"));
    Set<String> params = new TreeSet<>();
    for (Param<?> param : new MagnetEstimator().params()) {
      String name = param.name();
      if (name.endsWith("Col") || name.equals("inputShape")) {
        continue;
      }
      params.add(name);
      String option = name.equals("refreshEveryBatches") ? "--refresh-every"
          : "--" + name.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
      assertTrue(options.contains(option), "ML param " + name + " has no train option " + option);
      assertTrue(Pattern.compile("(?m)^#?\\s*" + Pattern.quote(option) + "\\b").matcher(text).find(),
          "conf/train.args does not name " + option);
    }
    Set<String> perRun = Set.of("--data", "--validation", "--limit", "--labels", "--image-size", "--channels",
        "--coarse", "--checkpoint-dir", "--resume", "--resume-if-present", "--init-from", "--pretrained", "--output", "--publish-to",
        "--run-id", "--no-worse-than", "--compare-metric", "--overwrite", "--metrics", "--min-metric", "--no-report",
        "--master", "--help", "--version");
    for (OptionSpec option : new CommandLine(new TrainCommand()).getCommandSpec().options()) {
      String longest = option.longestName();
      if (perRun.contains(longest)) {
        continue;
      }
      String camel = longest.equals("--refresh-every") ? "refreshEveryBatches"
          : java.util.regex.Pattern.compile("-([a-z])").matcher(longest.substring(2)).replaceAll(m -> m.group(1)
              .toUpperCase(java.util.Locale.ROOT));
      assertTrue(params.contains(camel), "train option " + longest + " has no ML param " + camel + "; params="
          + params);
    }
  }
}
