package dev.magnet.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.neighbours.BuildRequest;
import dev.magnet.spark.neighbours.NeighboursFixtures;
import dev.magnet.spark.neighbours.QueryRequest;
import dev.magnet.spark.neighbours.RecallRequest;
import dev.magnet.spark.neighbours.VectorMetric;
import dev.magnet.spark.util.ExitCodes;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code magnet neighbours} through the CLI: its requests spell themselves back, and bad input is
 * a clear one-line error with exit status 3 (dimension mismatch, NaN vectors, an empty table, k
 * larger than the corpus, an unknown metric, a corrupt or partial index), bad arguments status 2.
 */
class NeighboursCommandTest {
  @SparkTestSession.PerClass
  private static SparkSession spark;
  @TempDir
  static Path dir;
  private static String corpus;
  private static String index;

  @BeforeAll
  static void anIndex() {
    corpus = dir.resolve("corpus").toString();
    index = dir.resolve("index").toString();
    NeighboursFixtures.mixture(spark, corpus, 400, 8, 10, 0);
    CliRun run = CliRun.of("neighbours", "build", "--embeddings", corpus, "--output", index, "--lists", "2");
    assertEquals(0, run.status(), run.toString());
    assertTrue(run.out().contains("indexed 400 items of dimension 8 in 2 lists"), run.toString());
  }

  private static void assertFails(int status, String message, String... args) {
    CliRun run = CliRun.of(args);
    assertEquals(status, run.status(), run.toString());
    assertTrue(run.err().contains(message), "stderr names '" + message + "':\n" + run);
    if (status == ExitCodes.BAD_INPUT) {
      assertEquals(1, run.err().strip().lines().count(), "one line:\n" + run.err());
    }
  }

  private Path copyOfIndex(String name) throws IOException {
    Path copy = dir.resolve(name);
    try (Stream<Path> files = Files.walk(Path.of(index))) {
      for (Path p : files.toList()) {
        Path target = copy.resolve(Path.of(index).relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return copy;
  }

  @Test
  void requestsSpellThemselvesBack() {
    BuildRequest build = new BuildRequest("t", "i", 7, 24, 50, VectorMetric.COSINE, 5, true, false);
    CommandLine.ParseResult parsed = MagnetCli.commandLine(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(new java.io.StringWriter()))
        .parseArgs(build.toArgs().toArray(String[]::new));
    NeighboursBuildCommand command = (NeighboursBuildCommand) parsed.subcommand().subcommand().commandSpec()
        .userObject();
    assertEquals(build, command.request());
    QueryRequest query = new QueryRequest("i", null, true, 4, 3, 40, 0.25, true, "o", "r", true);
    parsed = MagnetCli.commandLine(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(new java.io.StringWriter())).parseArgs(query.toArgs().toArray(String[]::new));
    assertEquals(query, ((NeighboursQueryCommand) parsed.subcommand().subcommand().commandSpec().userObject())
        .request());
    RecallRequest recall = new RecallRequest("i", "q", 50, 5, 2, 30, 9, "j.json");
    parsed = MagnetCli.commandLine(new java.io.PrintWriter(new java.io.StringWriter()), new java.io.PrintWriter(new java.io.StringWriter())).parseArgs(recall.toArgs().toArray(String[]::new));
    assertEquals(recall, ((NeighboursRecallCommand) parsed.subcommand().subcommand().commandSpec().userObject())
        .request());
  }

  @Test
  void cliSpellingsAreExactlyThese() {
    CommandLine cli = MagnetCli.commandLine(new java.io.PrintWriter(new java.io.StringWriter()),
        new java.io.PrintWriter(new java.io.StringWriter())).getSubcommands().get("neighbours");
    java.util.Map<String, java.util.Set<String>> options = new java.util.TreeMap<>();
    cli.getSubcommands().forEach((name, sub) -> options.put(name,
        new java.util.TreeSet<>(sub.getCommandSpec().optionsMap().keySet())));
    java.util.Set<String> common = java.util.Set.of("--master", "--verbose", "-h", "--help", "-V", "--version");
    assertEquals(with(common, "--embeddings", "--output", "--lists", "--max-conn", "--beam-width", "--metric", "--seed",
        "--incremental", "--overwrite"), options.get("build"));
    assertEquals(with(common, "--index", "--queries", "--self", "--k", "--nprobe", "--ef-search", "--threshold",
        "--exact", "--output", "--report", "--overwrite"), options.get("query"));
    assertEquals(with(common, "--index", "--queries", "--sample", "--k", "--nprobe", "--ef-search", "--seed", "--json"),
        options.get("recall"));
    assertEquals(List.of("euclidean", "cosine"), java.util.stream.StreamSupport.stream(
        new NeighboursCommand.Metric().spliterator(), false).toList());
  }

  private static java.util.Set<String> with(java.util.Set<String> common, String... names) {
    java.util.Set<String> all = new java.util.TreeSet<>(common);
    all.addAll(List.of(names));
    return all;
  }

  @Test
  void queriesOfAnotherDimensionAreRefused() {
    String queries = dir.resolve("wide").toString();
    NeighboursFixtures.mixture(spark, queries, 20, 12, 3, 0);
    assertFails(ExitCodes.BAD_INPUT, "embedding dimensions differ: 12!=8", "neighbours", "query", "--index", index,
        "--queries", queries, "--output", dir.resolve("o1").toString());
  }

  @Test
  void nanVectorsAreRefused() {
    String table = dir.resolve("nan").toString();
    NeighboursFixtures.table(spark, table, List.of(NeighboursFixtures.row(1, null, new float[] {1, 2}, null),
        NeighboursFixtures.row(2, null, new float[] {Float.NaN, 2}, null)));
    assertFails(ExitCodes.BAD_INPUT, "1 rows whose embedding is null or holds NaN or infinite values (the first is id 2)",
        "neighbours", "build", "--embeddings", table, "--output", dir.resolve("nan-index").toString());
    assertTrue(Files.notExists(dir.resolve("nan-index")), "nothing written");
  }

  @Test
  void anEmptyTableIsRefused() {
    String table = dir.resolve("empty").toString();
    NeighboursFixtures.table(spark, table, new ArrayList<Row>());
    assertFails(ExitCodes.BAD_INPUT, "is empty", "neighbours", "build", "--embeddings", table, "--output",
        dir.resolve("empty-index").toString());
  }

  @Test
  void aTableWithoutEmbeddingsIsRefused() {
    String table = dir.resolve("no-embedding").toString();
    spark.range(3).write().parquet(table);
    assertFails(ExitCodes.BAD_INPUT, "has no column 'embedding'", "neighbours", "build", "--embeddings", table,
        "--output", dir.resolve("x").toString());
  }

  @Test
  void kLargerThanTheCorpusIsRefused() {
    assertFails(ExitCodes.BAD_INPUT, "k is larger than the corpus: k=400", "neighbours", "query", "--index", index,
        "--self", "--k", "400", "--output", dir.resolve("o2").toString());
  }

  @Test
  void anUnknownMetricIsRefused() throws IOException {
    assertFails(ExitCodes.BAD_ARGUMENTS, "'manhattan' is not one of euclidean, cosine", "neighbours", "build",
        "--embeddings", corpus, "--output", dir.resolve("m").toString(), "--metric", "manhattan");
    Path copy = copyOfIndex("unknown-metric");
    Path metadata = copy.resolve("metadata.json");
    Files.writeString(metadata, Files.readString(metadata).replace("\"euclidean\"", "\"manhattan\""));
    Files.delete(copy.resolve(".metadata.json.crc"));
    assertFails(ExitCodes.BAD_INPUT, "names an unknown metric must be one of euclidean, cosine; metric=manhattan",
        "neighbours", "query", "--index", copy.toString(), "--self", "--output", dir.resolve("o3").toString());
  }

  @Test
  void aCorruptListIsRefused() throws IOException {
    Path copy = copyOfIndex("corrupt");
    Path list = copy.resolve("lists/list-00001.bin");
    try (RandomAccessFile file = new RandomAccessFile(list.toFile(), "rw")) {
      file.seek(file.length() / 2);
      int b = file.read();
      file.seek(file.length() / 2);
      file.write(b ^ 0xFF);
    }
    Files.deleteIfExists(copy.resolve("lists/.list-00001.bin.crc"));
    assertFails(ExitCodes.BAD_INPUT, "list-00001.bin", "neighbours", "query", "--index", copy.toString(), "--self",
        "--output", dir.resolve("o4").toString());
  }

  @Test
  void aPartialIndexIsRefused() throws IOException {
    Path missing = copyOfIndex("partial");
    Files.delete(missing.resolve("lists/list-00000.bin"));
    assertFails(ExitCodes.BAD_INPUT, "is partial: list file list-00000.bin is missing", "neighbours", "query",
        "--index", missing.toString(), "--self", "--output", dir.resolve("o5").toString());
    Path truncated = copyOfIndex("truncated");
    Path list = truncated.resolve("lists/list-00000.bin");
    Files.write(list, java.util.Arrays.copyOf(Files.readAllBytes(list), 100));
    assertFails(ExitCodes.BAD_INPUT, "list file list-00000.bin has 100 bytes", "neighbours", "recall", "--index",
        truncated.toString(), "--sample", "10");
    Path unfinished = copyOfIndex("unfinished");
    Files.delete(unfinished.resolve("metadata.json"));
    Files.delete(unfinished.resolve(".metadata.json.crc"));
    assertFails(ExitCodes.BAD_INPUT, "metadata.json is missing", "neighbours", "query", "--index",
        unfinished.toString(), "--self", "--output", dir.resolve("o6").toString());
    Files.writeString(unfinished.resolve("metadata.json"), "{\"format\": 1, \"dimension\": ");
    assertFails(ExitCodes.BAD_INPUT, "corrupt", "neighbours", "query", "--index", unfinished.toString(), "--self",
        "--output", dir.resolve("o7").toString());
  }

  @Test
  void argumentsAreChecked() {
    assertFails(ExitCodes.BAD_ARGUMENTS, "give --queries PATH or --self", "neighbours", "query", "--index", index,
        "--output", dir.resolve("o8").toString());
    assertFails(ExitCodes.BAD_ARGUMENTS, "--threshold finds near-duplicate pairs within the index", "neighbours",
        "query", "--index", index, "--queries", corpus, "--threshold", "1", "--output", dir.resolve("o9").toString());
    assertFails(ExitCodes.BAD_ARGUMENTS, "max-conn must be positive and <= 512; max-conn=600", "neighbours", "build",
        "--embeddings", corpus, "--output", dir.resolve("o10").toString(), "--max-conn", "600");
    assertFails(ExitCodes.BAD_ARGUMENTS, "exists: give --overwrite", "neighbours", "build", "--embeddings", corpus,
        "--output", index);
  }
}
