package dev.magnet.architecture;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package graph of docs/design.md, checked on the compiled main classes of both modules: no
 * package depends on one that depends back on it, and dependencies point down the layers only.
 *
 * <pre>
 * spark.cli
 *   -> jobs: spark.train, spark.embed, spark.evaluate, spark.experiment, spark.bench, spark.ml, spark.demo,
 *            spark.neighbours
 *     -> support: spark.data, spark.io, spark.index, spark.executor, spark.metrics, spark.report,
 *                 spark.serde, spark.util
 *       -> core.train -> core.model -> core.objective -> core algorithms (cluster, loss, sampling, eval,
 *          nn, data) -> core base (params, distance, matrix, util)
 * </pre>
 */
class PackageGraphTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.magnet");
  }

  @Test
  void noPackageDependsOnOneThatDependsBackOnIt() {
    slices().matching("dev.magnet.(*).(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theSparkModuleDependsDownwardsOnly() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("dev.magnet.spark.cli..")
        .layer("jobs").definedBy("dev.magnet.spark.train..", "dev.magnet.spark.embed..", "dev.magnet.spark.evaluate..",
            "dev.magnet.spark.experiment..", "dev.magnet.spark.bench..", "dev.magnet.spark.ml..",
            "dev.magnet.spark.demo..", "dev.magnet.spark.neighbours..")
        .layer("support").definedBy("dev.magnet.spark.data..", "dev.magnet.spark.io..", "dev.magnet.spark.index..",
            "dev.magnet.spark.executor..", "dev.magnet.spark.metrics..", "dev.magnet.spark.report..",
            "dev.magnet.spark.serde..", "dev.magnet.spark.util..")
        .layer("core").definedBy("dev.magnet.core..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("jobs").mayOnlyBeAccessedByLayers("cli")
        .whereLayer("support").mayOnlyBeAccessedByLayers("cli", "jobs")
        .whereLayer("core").mayOnlyBeAccessedByLayers("cli", "jobs", "support")
        .check(classes);
  }

  @Test
  void theCoreDependsDownwardsOnly() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("train").definedBy("dev.magnet.core.train..")
        .layer("model").definedBy("dev.magnet.core.model..")
        .layer("objective").definedBy("dev.magnet.core.objective..")
        .layer("algorithms").definedBy("dev.magnet.core.cluster..", "dev.magnet.core.loss..",
            "dev.magnet.core.sampling..", "dev.magnet.core.eval..", "dev.magnet.core.nn..", "dev.magnet.core.data..")
        .layer("base").definedBy("dev.magnet.core.params..", "dev.magnet.core.distance..",
            "dev.magnet.core.matrix..", "dev.magnet.core.util..")
        .whereLayer("train").mayNotBeAccessedByAnyLayer()
        .whereLayer("model").mayOnlyBeAccessedByLayers("train")
        .whereLayer("objective").mayOnlyBeAccessedByLayers("train", "model")
        .whereLayer("algorithms").mayOnlyBeAccessedByLayers("train", "model", "objective")
        .check(classes);
  }

  /** The most lines a command class may have (docs/design.md): a command is options plus one call into a job. */
  static final int MAX_COMMAND_LINES = 250;

  @Test
  void commandsStayThin() throws java.io.IOException {
    java.nio.file.Path cli = java.nio.file.Path.of("src/main/java/dev/magnet/spark/cli");
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(cli)) {
      java.util.List<String> thick = new java.util.ArrayList<>();
      java.util.List<java.nio.file.Path> commands =
          files.filter(f -> f.getFileName().toString().endsWith("Command.java")).toList();
      org.junit.jupiter.api.Assertions.assertTrue(commands.size() >= 10, "commands found: " + commands);
      for (java.nio.file.Path f : commands) {
        long lines = java.nio.file.Files.readAllLines(f).size();
        if (lines > MAX_COMMAND_LINES) {
          thick.add(f.getFileName() + ": " + lines + " lines");
        }
      }
      org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), thick,
          "command classes over " + MAX_COMMAND_LINES + " lines: move their work into the job they call");
    }
  }
}
