package dev.magnet.it.script;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.util.ExitCodes;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./spark-submit} end to end: the embedded mode, the {@code SPARK_HOME} mode through Spark's
 * own launcher, argument errors and exit statuses, and {@code --help} at every level. Data and
 * epochs are tiny: what is checked is the plumbing, not the model.
 */
class SparkSubmitScriptTest {
  /** 3 classes of 2 hidden sub-classes of 5 vectors: one epoch of a few 12-row neighbourhoods. */
  private static final List<String> TINY = List.of("--data", "synthetic:classes=3,sub=2,per=5,dim=8",
      "--epochs", "1", "-K", "1", "-M", "3", "-D", "4", "--workers", "1");
  /** Spark's launcher class, which a distribution's bin/spark-submit runs. */
  private static final String SPARK_SUBMIT_CLASS = "org.apache.spark.deploy.SparkSubmit";

  @TempDir
  Path tmp;

  private static String[] args(List<String> head, String... tail) {
    return Stream.concat(head.stream(), Arrays.stream(tail)).toArray(String[]::new);
  }

  @Test
  void helpAtEveryLevelExits0() throws Exception {
    Script.Run top = Script.run(tmp, "--help");
    assertEquals(0, top.status(), top.toString());
    assertTrue(top.out().contains("Usage: ./spark-submit <command>"), top.toString());
    for (String command : List.of("train", "evaluate", "embed", "demo", "bench", "experiment")) {
      Script.Run help = Script.run(tmp, command, "--help");
      assertEquals(0, help.status(), help.toString());
      assertTrue(help.out().contains("Usage: magnet " + command), help.toString());
    }
  }

  @Test
  void theFirstJobWritesTheClassDataArchiveAndLaterJvmsLoadMagnetFromIt() throws Exception {
    Path archive = Script.ROOT.resolve("magnet-spark/target/magnet-cds.jsa");
    Files.deleteIfExists(archive);
    String loaded = "dev.magnet.spark.cli.MagnetCli source: ";
    Map<String, String> logClasses = Map.of("MAGNET_JAVA_OPTS", "-Xmx1g -Xlog:class+load=info");

    Script.Run help = Script.run(tmp, logClasses, "embed", "--version");
    assertEquals(0, help.status(), help.toString());
    assertFalse(Files.exists(archive), "help must not write the archive");
    assertTrue(help.out().contains(loaded + "file:"), help.toString());

    // MAGNET_CDS=on: write it although Script sets MAGNET_NO_BUILD.
    Script.Run job = Script.run(tmp, Map.of("MAGNET_CDS", "on"), "generate-corpus",
        "--output", tmp.resolve("corpus").toString(), "--count", "20");
    assertEquals(0, job.status(), job.toString());
    assertTrue(job.err().contains("writing the class-data archive"), job.toString());
    assertTrue(Files.size(archive) > 0, "archive " + archive);

    Script.Run shared = Script.run(tmp, logClasses, "embed", "--version");
    assertEquals(0, shared.status(), shared.toString());
    assertTrue(shared.out().contains(loaded + "shared objects file"), shared.toString());
    Script.Run off = Script.run(tmp, Map.of("MAGNET_CDS", "off", "MAGNET_JAVA_OPTS",
        "-Xmx1g -Xlog:class+load=info"), "embed", "--version");
    assertTrue(off.out().contains(loaded + "file:"), off.toString());
    // HotSpot 17 crashes loading archived classes under a flight recording started with the JVM.
    Script.Run recorded = Script.run(tmp, Map.of("MAGNET_JAVA_OPTS", "-Xmx1g -Xlog:class+load=info"
        + " -XX:StartFlightRecording=filename=" + tmp.resolve("r.jfr")), "embed", "--version");
    assertEquals(0, recorded.status(), recorded.toString());
    assertTrue(recorded.out().contains(loaded + "file:"), recorded.toString());
  }

  @Test
  void argumentErrorsExit2NamingTheProblem() throws Exception {
    Script.Run unknown = Script.run(tmp, "frobnicate");
    assertEquals(ExitCodes.BAD_ARGUMENTS, unknown.status(), unknown.toString());
    assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.toString());

    Script.Run badValue = Script.run(tmp, "train", "--data", "synthetic", "--output", tmp.resolve("m").toString(),
        "--epochs", "many");
    assertEquals(ExitCodes.BAD_ARGUMENTS, badValue.status(), badValue.toString());
    assertTrue(badValue.err().contains("'many'"), badValue.toString());

    Script.Run clusterOnly = Script.run(tmp, "train", "--executor-memory", "4g", "--data", "synthetic",
        "--output", tmp.resolve("m").toString());
    assertEquals(ExitCodes.BAD_ARGUMENTS, clusterOnly.status(), clusterOnly.toString());
    assertTrue(clusterOnly.err().contains("--executor-memory needs a cluster: set SPARK_HOME"), clusterOnly.toString());

    Script.Run benchWithSpark = Script.run(tmp, "bench", "--master", "local[1]", "--skip-peer");
    assertEquals(ExitCodes.BAD_ARGUMENTS, benchWithSpark.status(), benchWithSpark.toString());
    assertTrue(benchWithSpark.err().contains("bench runs on the embedded local Spark and takes no Spark options;"
        + " given: --master"), benchWithSpark.toString());

    Script.Run noArgFile = Script.run(tmp, "train", "@" + tmp.resolve("missing.args"));
    assertEquals(ExitCodes.BAD_ARGUMENTS, noArgFile.status(), noArgFile.toString());
    assertTrue(noArgFile.err().contains("argument file not found: " + tmp.resolve("missing.args")),
        noArgFile.toString());
    assertFalse(Files.exists(tmp.resolve("m")));
  }

  @Test
  void aMissingDataFileExits3() throws Exception {
    Path images = tmp.resolve("images.idx");
    Path model = tmp.resolve("model");
    Script.Run run = Script.run(tmp, "train", "--master", "local[1]", "--data", "idx:" + images + "," + images,
        "--output", model.toString());
    assertEquals(ExitCodes.BAD_INPUT, run.status(), run.toString());
    assertTrue(run.err().contains("IDX file not found: file:" + images), run.toString());
    assertFalse(Files.exists(model));
  }

  @Test
  void anExistingOutputWithoutOverwriteExits2AndIsLeftAlone() throws Exception {
    Path model = Files.createDirectories(tmp.resolve("model"));
    Path kept = Files.writeString(model.resolve("keep.txt"), "mine");
    Script.Run run = Script.run(tmp, args(List.of("train", "--master", "local[1]"),
        args(TINY, "--output", model.toString())));
    assertEquals(ExitCodes.BAD_ARGUMENTS, run.status(), run.toString());
    assertTrue(run.err().contains("output " + model + " already exists; pass --overwrite to replace it"),
        run.toString());
    assertEquals(List.of(kept), Files.list(model).toList());
    assertEquals("mine", Files.readString(kept));
  }

  /**
   * The example job configuration, as a user runs it: its defaults, then tiny overrides. A gate no
   * model can meet (k-NN accuracy 2) fails the run with status 5 after the model is saved.
   */
  @Test
  void embeddedTrainWritesTheModelAndAnUnmetGateExits5() throws Exception {
    Path model = tmp.resolve("model");
    Script.Run run = Script.run(tmp, args(List.of("train", "@conf/train.args", "--master", "local[2]",
        "--conf", "spark.ui.enabled=false"), args(TINY, "--no-report", "--validation", "synthetic:per=4",
            "--output", model.toString(), "--min-metric", "knn1_accuracy=2")));
    assertEquals(ExitCodes.METRIC_GATE_FAILED, run.status(), run.toString());
    assertTrue(run.err().contains("metric gate failed: knn1_accuracy="), run.toString());
    assertTrue(Files.isRegularFile(model.resolve("metadata.json")), run.toString());
    assertTrue(Files.isRegularFile(model.resolve("metrics.json")), run.toString());
    assertTrue(run.out().contains("model: " + model), run.toString());
  }

  /**
   * Without a heap from the user, a train whose data the launcher can size gets a heap from the
   * data and the serial collector (the JVM logs the collector it uses); a collector the user names
   * in --driver-java-options replaces it rather than making the JVM refuse two.
   */
  @Test
  void aHeapSizedFromTheDataGetsTheSerialCollectorUnlessTheUserNamesOne() throws Exception {
    Map<String, String> noHeap = Map.of("MAGNET_JAVA_OPTS", "");
    Script.Run sized = Script.run(tmp, noHeap, args(List.of("train", "--master", "local[1]", "--conf",
        "spark.ui.enabled=false", "--driver-java-options", "-Xlog:gc:stderr"),
        args(TINY, "--no-report", "--output", tmp.resolve("sized").toString())));
    assertEquals(0, sized.status(), sized.toString());
    assertTrue(sized.err().contains("Using Serial"), sized.toString());
    Script.Run chosen = Script.run(tmp, noHeap, args(List.of("train", "--master", "local[1]", "--conf",
        "spark.ui.enabled=false", "--driver-java-options", "-XX:+UseParallelGC -Xlog:gc:stderr"),
        args(TINY, "--no-report", "--output", tmp.resolve("chosen").toString())));
    assertEquals(0, chosen.status(), chosen.toString());
    assertTrue(chosen.err().contains("Using Parallel"), chosen.toString());
  }

  /**
   * SPARK_HOME mode: a Spark installation whose bin/spark-submit runs Spark's own launcher class
   * with Spark's jars from this test's class path, and the driver JVM options that Spark's launcher
   * would take from the properties file (so the job fails if conf/spark-defaults.conf lacks them).
   * Magnet's own jars and DL4J/ND4J are left out: the job jar alone must bring them. A user's
   * properties file is merged after conf/spark-defaults.conf.
   */
  @Test
  void sparkHomeModeSubmitsTheJobJarWithTheConfThroughSparksLauncher() throws Exception {
    Path sparkHome = fakeSparkHome();
    Path model = tmp.resolve("model");
    Path userConf = Files.writeString(tmp.resolve("user.conf"), "spark.ui.enabled false\n");
    Script.Run run = Script.run(tmp, Map.of("SPARK_HOME", sparkHome.toString()),
        args(List.of("train", "--master", "local[2]", "--properties-file", userConf.toString()),
            args(TINY, "--output", model.toString())));
    assertEquals(ExitCodes.SUCCESS, run.status(), run.toString());
    assertTrue(Files.isRegularFile(model.resolve("metadata.json")), run.toString());
    assertTrue(run.out().contains("model: " + model), run.toString());
    // The report's plots come from XChart inside the job jar.
    assertFalse(run.err().contains("report not written"), run.toString());
    assertTrue(Files.isRegularFile(model.resolve("report/index.html")), run.toString());

    List<String> submitted = Files.readAllLines(sparkHome.resolve("submitted-args"));
    Path jobJar = Files.list(Script.ROOT.resolve("magnet-spark/target"))
        .filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst().orElseThrow();
    assertEquals(List.of("--class", "dev.magnet.spark.cli.MagnetCli", "--properties-file"), submitted.subList(0, 3));
    assertEquals(List.of("--master", "local[2]", jobJar.toString(), "train"), submitted.subList(4, 8),
        submitted.toString());
    assertTrue(submitted.subList(8, submitted.size()).containsAll(List.of("--output", model.toString())));
    String properties = Files.readString(sparkHome.resolve("submitted.conf"));
    assertTrue(properties.startsWith(Files.readString(Script.ROOT.resolve("conf/spark-defaults.conf"))), properties);
    assertTrue(properties.endsWith("spark.ui.enabled false\n"), properties);
    assertFalse(Files.exists(Path.of(submitted.get(3))), "the merged properties file is removed: " + submitted.get(3));
  }

  private Path fakeSparkHome() throws IOException {
    Path home = tmp.resolve("spark-home");
    Path jars = Files.createDirectories(home.resolve("jars"));
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    int n = 0;
    for (String entry : classPath.split(File.pathSeparator)) {
      String path = entry.replace(File.separatorChar, '/');
      boolean jobJarOnly = path.contains("/dev/magnet/") || path.contains("/target/") || path.contains("/org/nd4j/")
          || path.contains("/org/deeplearning4j/") || path.contains("/org/datavec/") || path.contains("/org/bytedeco/")
          || path.contains("/info/picocli/");
      if (entry.endsWith(".jar") && !jobJarOnly) {
        Files.createSymbolicLink(jars.resolve((n++) + "-" + Path.of(entry).getFileName()), Path.of(entry));
      }
    }
    assertTrue(Files.list(jars).anyMatch(p -> p.getFileName().toString().contains("spark-core_2.12")));
    Path bin = Files.createDirectories(home.resolve("bin"));
    Path submit = bin.resolve("spark-submit");
    Files.writeString(submit, String.join("\n",
        "#!/bin/sh",
        "# A stand-in for a Spark distribution's bin/spark-submit: Spark's launcher class on Spark's jars.",
        "printf '%s\\n' \"$@\" > \"$SPARK_HOME/submitted-args\"",
        "props=''; prev=''",
        "for a in \"$@\"; do [ \"$prev\" = --properties-file ] && props=\"$a\"; prev=\"$a\"; done",
        "cp \"$props\" \"$SPARK_HOME/submitted.conf\"",
        "# What Spark's launcher gives a client-mode driver: SPARK_SUBMIT_OPTS and the default JVM options.",
        "opts=$(sed -n 's/^spark\\.driver\\.defaultJavaOptions[[:space:]]*//p' \"$props\")",
        "exec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -Xmx2g $SPARK_SUBMIT_OPTS $opts"
            + " -cp \"$SPARK_HOME/jars/*\" " + SPARK_SUBMIT_CLASS + " \"$@\"",
        ""), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }
}
