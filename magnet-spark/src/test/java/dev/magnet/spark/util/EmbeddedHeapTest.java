package dev.magnet.spark.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded mode's heap from the data a command reads, worked by hand. */
class EmbeddedHeapTest {
  /** Bytes a Fashion-MNIST example counts for: 784 pixels at 10 bytes and 2 kB. */
  private static final long FMNIST_EXAMPLE = 784 * 10 + 2048;
  private static final long MIB = 1 << 20;

  @Test
  void theFullFashionMnistRunWithValidationGetsItsSeventyThousandExamples() {
    long expected = 512 + ceilMib(70_000 * FMNIST_EXAMPLE); // 512 + 661
    assertEquals(1173, expected);
    assertEquals(expected, EmbeddedHeap.mebibytes("train",
        List.of("--data", "fashion-mnist", "--validation", "fashion-mnist-test", "--epochs", "3")));
  }

  @Test
  void theLimitCapsEachDataSetAndSmallDataGetsTheFloor() {
    // 20k examples: 512 + 189 = 701 MiB, below the floor
    assertEquals(768, EmbeddedHeap.mebibytes("train", List.of("--data", "fashion-mnist", "--limit", "20000",
        "--epochs", "1")));
    // --limit=40000 spelling, both sets limited: 40k + 10k examples
    assertEquals(512 + ceilMib(50_000 * FMNIST_EXAMPLE), EmbeddedHeap.mebibytes("train",
        List.of("--data=fashion-mnist", "--validation", "fashion-mnist-test", "--limit=40000")));
  }

  @Test
  void syntheticDataIsSizedFromItsSettings() {
    // 10 × 3 × 1000 vectors of 16 values: 30,000 × (160 + 2048) bytes = 64 MiB
    assertEquals(768, EmbeddedHeap.mebibytes("train", List.of("--data", "synthetic:classes=10,per=1000,dim=16")));
    assertEquals(new EmbeddedHeap.Size(30_000, 16), EmbeddedHeap.size("synthetic:classes=10,per=1000,dim=16"));
    assertEquals(new EmbeddedHeap.Size(3_000, 784), EmbeddedHeap.size("synthetic"));
    // two billion values (docs/reliability.md, case 51) and beyond: the ceiling, no overflow
    assertEquals(EmbeddedHeap.CEILING_MIB, EmbeddedHeap.mebibytes("train",
        List.of("--data", "synthetic:classes=2,sub=1,per=1000000000,dim=1")));
    assertEquals(EmbeddedHeap.CEILING_MIB, EmbeddedHeap.mebibytes("train",
        List.of("--data", "synthetic:classes=999999999,sub=999999999,per=999999999,dim=999999999")));
  }

  @Test
  void aLocalIdxFileIsSizedFromItsHeaderAndLargeDataGetsTheCeiling(@TempDir Path dir) throws IOException {
    Path images = idxHeader(dir.resolve("images.gz"), 100_000, 28, 28, true);
    assertEquals(512 + ceilMib(100_000 * FMNIST_EXAMPLE), EmbeddedHeap.mebibytes("train",
        List.of("--data", "idx:" + images + "," + dir.resolve("labels"))));
    Path plain = idxHeader(dir.resolve("big"), 1_000_000, 28, 28, false);
    assertEquals(EmbeddedHeap.CEILING_MIB, EmbeddedHeap.mebibytes("train",
        List.of("--data", "idx:file:" + plain + "," + dir.resolve("labels"))));
  }

  @Test
  void dataOfUnknownSizeAndOtherCommandsKeepTheCeiling(@TempDir Path dir) throws IOException {
    for (List<String> args : List.<List<String>>of(List.of("--data", "parquet:/tmp/table"), List.of("--data", "images:/tmp/photos"),
        List.of("--data", "idx:hdfs://nn/images,hdfs://nn/labels"), List.of("--data", "fashion-mnist", "--limit", "x"),
        List.of("--data", "idx:" + dir.resolve("missing") + ",labels"),
        List.of("--data", "fashion-mnist", "--validation", "parquet:/tmp/held-out"), List.of())) {
      assertEquals(EmbeddedHeap.CEILING_MIB, EmbeddedHeap.mebibytes("train", args), args.toString());
    }
    // a large embed or evaluate is never given less than before
    assertEquals(3072, EmbeddedHeap.mebibytes("embed", List.of("--data", "fashion-mnist-test")));
    assertEquals(3072, EmbeddedHeap.mebibytes("evaluate", List.of("--data", "fashion-mnist-test")));
  }

  @Test
  void mainPrintsTheJvmOption() {
    PrintStream before = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      EmbeddedHeap.main(new String[] {"train", "--data", "fashion-mnist", "--validation", "fashion-mnist-test"});
    } finally {
      System.setOut(before);
    }
    assertEquals("-Xmx1173m -XX:+UseSerialGC -Xms64m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30",
        out.toString(StandardCharsets.UTF_8).strip());
  }

  @Test
  void aHeapSizedFromTheDataGetsTheSerialCollectorAndTheCeilingKeepsTheDefault() {
    List<String> args = List.of("--data", "fashion-mnist", "--limit", "20000");
    List<String> sized = EmbeddedHeap.options("train", args, List.of("-Xlog:gc", "-XX:+UseStringDeduplication"));
    assertEquals("-Xmx768m", sized.get(0));
    assertEquals(EmbeddedHeap.FOOTPRINT_COLLECTOR, sized.subList(1, sized.size()));
    assertEquals(List.of("-Xmx3072m"), EmbeddedHeap.options("embed", List.of("--data", "fashion-mnist-test"), List.of()));
    assertEquals(List.of("-Xmx3072m"), EmbeddedHeap.options("train", List.of("--data", "parquet:/data/x"), List.of()));
    // a collector the user chose stays theirs: the JVM refuses two
    for (String collector : List.of("-XX:+UseParallelGC", "-XX:+UseG1GC", "-XX:+UseZGC")) {
      assertEquals(List.of("-Xmx768m"), EmbeddedHeap.options("train", args, List.of("-Xlog:gc", collector)), collector);
    }
  }

  @Test
  void aBenchChildGetsTheHeapOfItsOwnDataOnlyWhereTheBenchsWasChosenForIt() {
    List<String> auto = List.of("java", "-Xmx3g", "-Dmagnet.heap=auto", "-cp", "x", "Main");
    List<String> train = List.of("train", "--data", "fashion-mnist", "--limit", "20000");
    assertEquals(List.of("java", "-Xmx768m", "-XX:+UseSerialGC", "-Xms64m", "-XX:MinHeapFreeRatio=10",
        "-XX:MaxHeapFreeRatio=30", "-Dmagnet.heap=auto", "-cp", "x", "Main"), EmbeddedHeap.forChild(auto, train));
    // a child whose data the rule cannot size gets the ceiling and the default collector, not the parent's
    List<String> sizedParent = List.of("java", "-Xmx768m", "-XX:+UseSerialGC", "-Xms64m", "-XX:MinHeapFreeRatio=10",
        "-XX:MaxHeapFreeRatio=30", "-Dmagnet.heap=auto", "Main");
    assertEquals(List.of("java", "-Xmx3072m", "-Dmagnet.heap=auto", "Main"),
        EmbeddedHeap.forChild(sizedParent, List.of("train", "--data", "parquet:/data/x")));
    // a bench started with a collector of the user's gives its children that one alone
    List<String> userCollector = List.of("java", "-Xmx3g", "-XX:+UseParallelGC", "-Dmagnet.heap=auto", "Main");
    assertEquals(List.of("java", "-Xmx768m", "-XX:+UseParallelGC", "-Dmagnet.heap=auto", "Main"),
        EmbeddedHeap.forChild(userCollector, train));
    List<String> chosen = List.of("java", "-Xmx2g", "-cp", "x", "Main");
    assertEquals(chosen, EmbeddedHeap.forChild(chosen, train));
  }

  private static long ceilMib(long bytes) {
    return (bytes + MIB - 1) / MIB;
  }

  private static Path idxHeader(Path file, int n, int rows, int cols, boolean gzip) throws IOException {
    try (OutputStream raw = Files.newOutputStream(file);
        DataOutputStream out = new DataOutputStream(gzip ? new GZIPOutputStream(raw) : raw)) {
      out.writeInt(0x00000803);
      out.writeInt(n);
      out.writeInt(rows);
      out.writeInt(cols);
      out.write(new byte[rows * cols]); // one image; the header is what is read
    }
    return file;
  }
}
