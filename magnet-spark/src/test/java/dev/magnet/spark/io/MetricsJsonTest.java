package dev.magnet.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.metrics.MemoryBreakdown;
import dev.magnet.spark.metrics.PeakMemory;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsJsonTest {
  private static final Configuration CONF = new Configuration();

  @TempDir
  Path tmp;

  @Test
  void roundTripsEpochsAndSummaryIncludingNaNAndReplacesTheFile() throws IOException {
    String path = tmp.resolve("out/metrics.json").toUri().toString();
    List<SparkEpochMetrics> epochs = List.of(CheckpointStoreTest.epoch(1),
        new SparkEpochMetrics(2, Double.NaN, 0, 0, 0, 0, 0, 0, 0, Map.of()),
        new SparkEpochMetrics(3, 0.5, 10, 1, 1, 0.1, 1, 4.0, 100, Map.of(), 1.25));
    MetricsJson.write(path, CONF, epochs.subList(0, 1), Map.of());
    MetricsJson.write(path, CONF, epochs, Map.of("knn1_accuracy", 0.75));
    MetricsJson.Document read = MetricsJson.read(path, CONF);
    assertEquals(epochs, read.epochs());
    assertEquals(Map.of("knn1_accuracy", 0.75), read.summary());
    // Hadoop's local file system keeps a .name.crc checksum beside each file; no staging file is left.
    assertEquals(List.of("metrics.json"), Stream.of(tmp.resolve("out").toFile().list())
        .filter(name -> !name.endsWith(".crc")).toList());
    assertTrue(Files.readString(tmp.resolve("out/metrics.json")).contains("\"formatVersion\" : 1"));
  }

  /** Two runs with the same results write the same file: maps' entries come out by key. */
  @Test
  void summaryAndValidationMetricsAreWrittenByKey() throws IOException {
    Map<String, Double> metrics = Map.of("nmi", 0.5, "knn1_accuracy", 0.75, "cluster_accuracy", 0.7, "map_at_r", 0.25);
    String path = tmp.resolve("sorted/metrics.json").toUri().toString();
    MetricsJson.write(path, CONF, List.of(new SparkEpochMetrics(1, 0.5, 10, 1, 1, 0.1, 1, 4.0, 100, metrics)), metrics);
    String text = Files.readString(tmp.resolve("sorted/metrics.json"));
    for (String[] pair : new String[][] {{"cluster_accuracy", "knn1_accuracy"}, {"knn1_accuracy", "map_at_r"},
        {"map_at_r", "nmi"}}) {
      assertTrue(text.indexOf('"' + pair[0] + '"') < text.indexOf('"' + pair[1] + '"'), text);
      assertTrue(text.lastIndexOf('"' + pair[0] + '"') < text.lastIndexOf('"' + pair[1] + '"'), text);
    }
  }

  /** The memory peaks are written at top level as "peak_memory", read back, and absent when not measured. */
  @Test
  void roundTripsThePeakMemory() throws IOException {
    String path = tmp.resolve("peaks/metrics.json").toString();
    PeakMemory peaks = new PeakMemory(2_147_483_648L, Map.of("driver", new PeakMemory.Executor(812_345_678L, null)));
    MetricsJson.write(path, CONF, List.of(CheckpointStoreTest.epoch(1)), Map.of(), peaks);
    assertEquals(peaks, MetricsJson.read(path, CONF).peakMemory());
    String text = Files.readString(Path.of(path));
    assertTrue(text.contains("\"peak_memory\" : {") && text.contains("\"driver_rss_bytes\" : 2147483648")
        && text.contains("\"jvm_heap_bytes\" : 812345678") && !text.contains("jvm_off_heap_bytes"), text);

    MemoryBreakdown.Parts parts = MemoryBreakdown.Parts.of(1_500_000_000L, 300_000_000L, 500_000_000L, 90_000_000L,
        10_000_000L, 0L, 4_000_000L, 60_000_000L);
    PeakMemory broken = new PeakMemory(1_600_000_000L, Map.of(), new MemoryBreakdown(42, parts, parts, 19_000_000L));
    MetricsJson.write(path, CONF, List.of(CheckpointStoreTest.epoch(1)), Map.of(), broken);
    assertEquals(broken, MetricsJson.read(path, CONF).peakMemory());
    text = Files.readString(Path.of(path));
    assertTrue(text.contains("\"breakdown\" : {") && text.contains("\"other_native_bytes\" : 900000000")
        && text.contains("\"validation_collect_bytes\" : 19000000"), text);

    MetricsJson.write(path, CONF, List.of(), Map.of());
    assertEquals(null, MetricsJson.read(path, CONF).peakMemory());
    assertTrue(!Files.readString(Path.of(path)).contains("peak_memory"));
  }

  @Test
  void anEpochWrittenBeforeAveragingWasRecordedReadsAsZeroAveraging() throws IOException {
    Path file = tmp.resolve("metrics.json");
    Files.writeString(file, "{\"formatVersion\": 1, \"epochs\": [{\"epoch\": 1, \"loss\": 0.5, \"batches\": 10,"
        + " \"embedSeconds\": 1, \"indexSeconds\": 1, \"planSeconds\": 0.1, \"materialiseSeconds\": 1,"
        + " \"fitSeconds\": 4, \"examplesPerSecond\": 100, \"validation\": {}}], \"summary\": {}}");
    SparkEpochMetrics epoch = MetricsJson.read(file.toString(), CONF).epochs().get(0);
    assertEquals(4.0, epoch.fitSeconds());
    assertEquals(0.0, epoch.averagingSeconds());
  }

  @Test
  void missingOrInvalidFilesAreNamed() throws IOException {
    Path file = tmp.resolve("metrics.json");
    FileNotFoundException missing = assertThrows(FileNotFoundException.class, () -> MetricsJson.read(file.toString(), CONF));
    assertTrue(missing.getMessage().contains(file.toString()), missing.getMessage());
    Files.writeString(file, "{\"formatVersion\": 1, \"epochs\": [");
    IOException invalid = assertThrows(IOException.class, () -> MetricsJson.read(file.toString(), CONF));
    assertTrue(invalid.getMessage().contains("is not a valid metrics file"), invalid.getMessage());
  }
}
