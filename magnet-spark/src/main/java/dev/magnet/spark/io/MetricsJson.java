package dev.magnet.spark.io;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.magnet.spark.metrics.PeakMemory;
import dev.magnet.spark.metrics.SparkEpochMetrics;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A run's metrics as JSON ({@code metrics.json}): every epoch's {@link SparkEpochMetrics} and a
 * summary map (final validation metrics, totals), and for a training run the job's memory peaks
 * ({@link PeakMemory}, left out when not measured). Non-finite values are written as the strings
 * {@code "NaN"} / {@code "Infinity"} (Jackson's default), which read back as doubles.
 *
 * <pre>
 * {"formatVersion": 1, "epochs": [{"epoch": 1, "loss": 0.8, ...}], "summary": {"knn1_accuracy": 0.84},
 *  "peak_memory": {"driver_rss_bytes": 2147483648, "executors": {"driver": {"jvm_heap_bytes": 812345678, ...}}}}
 * </pre>
 */
public final class MetricsJson {
  /** Bumped on every incompatible change of the layout; readers refuse newer ones. */
  public static final int FORMAT_VERSION = 1;
  /** The conventional file name, in a model, checkpoint or output directory. */
  public static final String FILE_NAME = "metrics.json";

  /**
   * Maps' entries by key: the summary and the validation metrics are immutable {@code Map.copyOf}
   * maps, whose order changes from JVM to JVM, and two runs with the same results should write
   * the same file.
   */
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private MetricsJson() {}

  /**
   * The contents of one metrics file.
   *
   * @param formatVersion the layout version it was written with
   * @param epochs every epoch so far, in order
   * @param summary named summary values
   * @param peakMemory the job's memory peaks, or null (not measured, or written before they were)
   */
  public record Document(int formatVersion, List<SparkEpochMetrics> epochs, Map<String, Double> summary,
      @JsonProperty("peak_memory") @JsonInclude(JsonInclude.Include.NON_NULL) PeakMemory peakMemory) {
    public Document {
      epochs = List.copyOf(epochs);
      summary = Map.copyOf(summary);
    }

    /** A document without memory peaks. */
    public Document(int formatVersion, List<SparkEpochMetrics> epochs, Map<String, Double> summary) {
      this(formatVersion, epochs, summary, null);
    }
  }

  /** Writes to a stream, leaving it open. */
  public static void write(OutputStream out, List<SparkEpochMetrics> epochs, Map<String, Double> summary)
      throws IOException {
    write(out, new Document(FORMAT_VERSION, epochs, summary));
  }

  /** Writes a document to a stream, leaving it open. */
  public static void write(OutputStream out, Document document) throws IOException {
    Objects.requireNonNull(out, "out");
    JSON.writerFor(Document.class).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, document);
  }

  /** Reads from a stream; {@code source} names it in error messages. */
  public static Document read(InputStream in, String source) throws IOException {
    Objects.requireNonNull(in, "in");
    Document document;
    try {
      document = JSON.readValue(in, Document.class);
    } catch (JsonProcessingException e) {
      throw new IOException(source + " is not a valid metrics file: " + e.getOriginalMessage(), e);
    }
    if (document.formatVersion() < 1 || document.formatVersion() > FORMAT_VERSION) {
      throw new IOException(source + " has metrics format version " + document.formatVersion()
          + ", which this Magnet cannot read (it reads 1.." + FORMAT_VERSION + ")");
    }
    return document;
  }

  /**
   * Writes a file on any Hadoop file system, replacing it: the JSON goes to a hidden sibling
   * file first and is renamed into place, so a reader never sees half a file (Hadoop's rename
   * does not replace, so between the delete and the rename there is briefly none).
   */
  public static void write(String path, Configuration conf, List<SparkEpochMetrics> epochs,
      Map<String, Double> summary) throws IOException {
    write(path, conf, new Document(FORMAT_VERSION, epochs, summary));
  }

  /** {@link #write(String, Configuration, List, Map)} with the memory peaks (or null). */
  public static void write(String path, Configuration conf, List<SparkEpochMetrics> epochs,
      Map<String, Double> summary, PeakMemory peakMemory) throws IOException {
    write(path, conf, new Document(FORMAT_VERSION, epochs, summary, peakMemory));
  }

  private static void write(String path, Configuration conf, Document document) throws IOException {
    Path target = HadoopModelDirectory.qualified(path, conf);
    FileSystem fs = target.getFileSystem(conf);
    Path parent = target.getParent();
    fs.mkdirs(parent);
    Path staging = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
    try {
      try (OutputStream out = fs.create(staging, false)) {
        write(out, document);
      }
      if (fs.exists(target) && !fs.delete(target, false)) {
        throw new IOException("cannot replace " + target);
      }
      if (!fs.rename(staging, target)) {
        throw new IOException("cannot rename " + staging + " to " + target);
      }
    } finally {
      if (fs.exists(staging)) {
        fs.delete(staging, false);
      }
    }
  }

  /**
   * Reads a file on any Hadoop file system.
   *
   * @throws FileNotFoundException naming the file when it does not exist
   */
  public static Document read(String path, Configuration conf) throws IOException {
    Path file = HadoopModelDirectory.qualified(path, conf);
    FileSystem fs = file.getFileSystem(conf);
    if (!fs.exists(file)) {
      throw new FileNotFoundException("metrics file not found: " + file);
    }
    try (InputStream in = fs.open(file)) {
      return read(in, file.toString());
    }
  }
}
