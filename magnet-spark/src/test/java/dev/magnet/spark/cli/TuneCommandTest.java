package dev.magnet.spark.cli;

import static dev.magnet.spark.cli.CliRun.assertRefused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.core.params.LossKind;
import dev.magnet.core.params.MagnetParams;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.experiment.ExperimentPlan;
import dev.magnet.spark.experiment.ExperimentRequest;
import dev.magnet.spark.experiment.RunSpec;
import dev.magnet.spark.experiment.TunedConfig;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code magnet experiment tune}: it reads only training data and holds out a stratified part of
 * it (no test example is ever scored), writes the chosen configuration as train options, and
 * {@code train @FILE} and {@code experiment --tuned FILE} read them back.
 */
class TuneCommandTest {
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  static Path tmp;

  private static ExperimentData data;
  private static String map;

  @BeforeAll
  static void start() throws IOException {
    data = ExperimentData.write(tmp);
    Path mapFile = tmp.resolve("data/map.txt");
    Files.writeString(mapFile, "0 0\n1 0\n2 1\n3 1\n4 2\n5 2\n");
    map = mapFile.toString();
  }

  @Test
  void tuningReadsNoHeldOutDataAndRefusesATestSet() {
    assertRefused("Unknown options: '--validation'", "experiment", "tune", "--loss", "magnet", "--validation",
        data.test());
    assertRefused("tuning reads training data only, and carves its validation split from it; --data"
        + " fashion-mnist-test is a test set", "experiment", "tune", "--loss", "magnet", "--data", "fashion-mnist-test");
    assertRefused("--train-args must not set --validation", "experiment", "tune", "--loss", "magnet",
        "--train-args", "--validation " + data.test());
    assertRefused("Missing required option: '--loss=LOSS'", "experiment", "tune");
    assertRefused("--folds must be at least 1; folds=0", "experiment", "tune", "--loss", "softmax", "--folds", "0");
    assertRefused("--seeds must be 0 (no comparison) or at least 2", "experiment", "tune", "--loss", "softmax",
        "--seeds", "1");
    assertRefused("--metric must be one of [precisionAtOne, mapAtR, knnAccuracy]; metric=recall", "experiment",
        "tune", "--loss", "softmax", "--metric", "recall");
  }

  /**
   * Magnet on the hierarchy task, three trials of one epoch on 80% of the training file, scored on
   * the fine labels of the other 20% (exactly 20% of each fine class); then the chosen and the
   * first configuration again with two other seeds.
   */
  @Test
  void aHoldoutSearchWritesTheChoiceThatTrainAndExperimentRead() throws IOException {
    Path out = tmp.resolve("tune");
    CliRun run = CliRun.of("experiment", "tune", "--loss", "magnet", "--data", data.train(), "--coarse", map,
        "--trials", "3", "--epochs", "1", "--seeds", "2", "--metric", "mapAtR", "--train-args",
        "--learning-rate 0.00001", "--output", out.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    JsonNode record = new ObjectMapper().readTree(out.resolve("magnet/tuning.json").toFile());
    JsonNode split = record.get("split");
    assertEquals(240, split.get("examples").asInt());
    Map<Integer, Integer> expected = new TreeMap<>();
    Map<Integer, Integer> perClass = new TreeMap<>();
    for (int fine : data.trainFine()) {
      perClass.merge(fine, 1, Integer::sum);
    }
    perClass.forEach((c, n) -> expected.put(c, (int) Math.round(0.2 * n)));
    Map<Integer, Integer> held = new TreeMap<>();
    split.get("perFoldAndClass").get("0").fields().forEachRemaining(e -> held.put(Integer.parseInt(e.getKey()),
        e.getValue().asInt()));
    assertEquals(expected, held, "the held-out fold is 20% of each fine class of the training file");
    int heldOut = held.values().stream().mapToInt(Integer::intValue).sum();
    assertTrue(run.out().contains(heldOut + " of 240 training examples held out (stratified, seed 42)"),
        run.toString());
    assertEquals(240 - held.values().stream().mapToInt(Integer::intValue).sum(), split.get("trainedOn").asInt());
    JsonNode trials = record.get("trials");
    assertEquals(3, trials.size());
    assertEquals(MagnetParams.DEFAULT_ALPHA, trials.get(0).get("values").get("alpha").asDouble(), "trial 1 is the defaults");
    assertEquals(0.00001, trials.get(0).get("values").get("learningRate").asDouble(), "with --train-args");
    for (JsonNode t : trials) {
      double metric = t.get("metric").asDouble(-1);
      assertTrue(metric >= 0 && metric <= 1, t.toString());
    }
    int chosen = record.get("chosen").get("trial").asInt();
    double best = IntStream.range(0, 3).mapToDouble(i -> trials.get(i).get("metric").asDouble()).max().orElseThrow();
    assertEquals(best, record.get("chosen").get("metric").asDouble(), "the best trial is chosen");
    assertTrue(chosen != 1, "a rate of 1e-5 barely trains in one epoch: another trial wins\n" + run);
    JsonNode confirmation = record.get("confirmation");
    assertEquals("[43,44]", confirmation.get("seeds").toString());
    JsonNode difference = confirmation.get("difference");
    assertEquals(confirmation.get("chosen").get("values").get(0).asDouble()
        - confirmation.get("first").get("values").get(0).asDouble(), difference.get("values").get(0).asDouble(), 1e-12,
        "paired by seed");
    assertTrue(List.of("holds", "refuted", "inconclusive").contains(confirmation.get("verdict").asText()));
    assertTrue(Files.readString(out.resolve("magnet/tuning.md")).contains("| trial | learningRate |"));

    // Resumed (as after an interruption), the recorded trials are taken over: nothing trains.
    CliRun resumed = CliRun.of("experiment", "tune", "--loss", "magnet", "--data", data.train(), "--coarse", map,
        "--trials", "3", "--epochs", "1", "--metric", "mapAtR", "--train-args", "--learning-rate 0.00001", "--output",
        out.toString(), "--resume");
    assertEquals(ExitCodes.SUCCESS, resumed.status(), resumed.toString());
    assertEquals(3, resumed.out().split("recorded, taken over", -1).length - 1, run + "\n" + resumed + "\n"
        + Files.readString(out.resolve("magnet/trials.jsonl")));
    JsonNode again = new ObjectMapper().readTree(out.resolve("magnet/tuning.json").toFile());
    assertEquals(record.get("chosen").get("trainOptions"), again.get("chosen").get("trainOptions"));

    // The file: comments, then one option and its value a line, every searched value stated.
    Path file = out.resolve("magnet.args");
    String text = Files.readString(file);
    List<String> words = TunedFiles.words(text);
    assertEquals(List.of("--loss", "magnet"), words.subList(0, 2), text);
    for (String option : List.of("--learning-rate", "--embedding-dim", "--alpha", "--clusters-per-class",
        "--clusters-per-batch", "--examples-per-cluster", "--refreshes-per-epoch")) {
      assertTrue(words.contains(option), option + " in\n" + text);
    }
    JsonNode values = record.get("chosen").get("values");
    // train @FILE (picocli's own expansion, as in-process) gives the chosen values.
    TrainCommand train = new TrainCommand();
    new CommandLine(train).parseArgs("@" + file, "--data", data.train(), "--output", tmp.resolve("unused").toString());
    TrainRequest request = train.request();
    assertEquals(LossKind.MAGNET, request.params().loss());
    assertEquals(values.get("alpha").asDouble(), request.params().alpha());
    assertEquals(values.get("clustersPerClass").asInt(), request.params().clustersPerClass());
    assertEquals(values.get("refreshesPerEpoch").asInt(), request.params().refreshesPerEpoch(),
        "refreshes per epoch, which hold on data of any size, not an interval in the tuning split's batches");
    assertEquals(0, request.params().refreshEveryBatches());
    assertEquals(values.get("learningRate").asDouble(), request.network().learningRate());
    assertEquals(values.get("embeddingDim").asInt(), request.network().embeddingDim());

    // experiment --tuned FILE trains Magnet with it, and the baselines with their own.
    ExperimentCommand experiment = parse("experiment", "hierarchy", "--data", data.train(), "--validation", data.test(),
        "--coarse", map, "--tuned", file.toString(), "--train-args", "-L 7");
    ExperimentRequest plan = experiment.request();
    ExperimentPlan hierarchy = plan.plans(3).get(0);
    RunSpec magnet = hierarchy.runs().get(0);
    assertEquals(request.params().withEpochs(3).withNearestClusters(7), magnet.params(),
        "the file's values over --train-args, the experiment's epochs and seed");
    assertTrue(hierarchy.trainArgs(magnet).containsAll(List.of("-L", "7", "--loss", "magnet")),
        hierarchy.trainArgs(magnet).toString());
    assertEquals(MagnetParams.DEFAULT_ALPHA, hierarchy.runs().get(1).params().alpha(), "softmax keeps the defaults");
    TunedConfig tuned = plan.tuned().get(LossKind.MAGNET);
    assertEquals(file.toString(), tuned.source());
  }

  @Test
  void aTunedFileSetsOnlyHyperParametersAndNamesItsLoss() throws IOException {
    Path bad = Files.writeString(tmp.resolve("bad.args"), "# a comment\n--loss softmax --epochs 9\n");
    assertRefused("--tuned " + bad + " must set only the loss and its hyper-parameters; it sets --epochs",
        "experiment", "classification", "--tuned", bad.toString());
    Path noLoss = Files.writeString(tmp.resolve("noloss.args"), "--alpha 0.5 # trailing comment\n");
    assertRefused("--tuned " + noLoss + " must name its loss with --loss", "experiment", "classification", "--tuned",
        noLoss.toString());
    Path one = Files.writeString(tmp.resolve("one.args"), "--loss triplet\n--triplet-margin 0.1\n");
    Path two = Files.writeString(tmp.resolve("two.args"), "--loss triplet\n");
    assertRefused("both configure the --loss triplet", "experiment", "classification", "--tuned", one.toString(),
        "--tuned", two.toString());
    assertEquals(List.of("--alpha", "0.5"), TunedFiles.words("--alpha 0.5 # trailing comment\n#--loss x\n\n"),
        "the words ./spark-submit reads from an @FILE");
  }

  /** Spark ML's CrossValidator over two stratified folds, triplet on the fine labels: every trial on every fold. */
  @Test
  void crossValidationRanksTrialsByTheirMeanOverFolds() throws IOException {
    Path out = tmp.resolve("cv");
    CliRun run = CliRun.of("experiment", "tune", "--loss", "triplet", "--task", "classification", "--data",
        data.train(), "--trials", "2", "--folds", "2", "--epochs", "1", "--output", out.toString());
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    JsonNode record = new ObjectMapper().readTree(out.resolve("triplet/tuning.json").toFile());
    JsonNode folds = record.get("split").get("perFoldAndClass");
    assertEquals(2, folds.size());
    List<Integer> sizes = new ArrayList<>();
    folds.forEach(f -> {
      int n = 0;
      for (JsonNode c : f) {
        n += c.asInt();
      }
      sizes.add(n);
    });
    assertEquals(List.of(120, 120), sizes, "round-robin within each class: two equal folds");
    assertEquals(2, record.get("trials").size());
    assertTrue(Files.readString(out.resolve("triplet.args")).contains("--triplet-margin"));
    assertFalse(run.out().contains("failed"), run.toString());
  }

  private static ExperimentCommand parse(String... args) {
    CommandLine cli = MagnetCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    CommandLine.ParseResult parsed = cli.parseArgs(args);
    return (ExperimentCommand) parsed.subcommand().commandSpec().userObject();
  }
}
