package dev.magnet.spark.neighbours;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.magnet.core.params.EnumSpelling;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An index on any Hadoop file system: {@code metadata.json} ({@link IndexMetadata}) and
 * {@code lists/list-NNNNN.bin} ({@link IndexList}). A build writes it under a staging name and
 * renames it into place, metadata last, so a directory without metadata is an unfinished build.
 * {@link #open} checks the metadata and that every list file is there at its recorded size
 * before a job starts; each file's CRC-32 is checked when an executor reads it.
 */
public final class IndexDirectory {
  /** The format of the directory and its metadata; a reader refuses any other. */
  public static final int FORMAT = 1;
  static final String METADATA = "metadata.json";
  static final String LISTS = "lists";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private IndexDirectory() {}

  /** The file name of list {@code list}. */
  static String listName(int list) {
    return String.format(Locale.ROOT, "list-%05d.bin", list);
  }

  /** Where list {@code file} of the index at {@code index} is. */
  static Path listPath(String index, String file) {
    return new Path(new Path(index, LISTS), file);
  }

  /** Writes the metadata: the last file of a build. */
  static void writeMetadata(String index, IndexMetadata metadata, Configuration conf) throws IOException {
    Path path = new Path(index, METADATA);
    try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
      JSON.writeValue(out, metadata);
    }
  }

  /** The metadata as JSON text (for the summary and tests). */
  static String json(IndexMetadata metadata) throws JsonProcessingException {
    return JSON.writeValueAsString(metadata);
  }

  /**
   * The metadata of a complete index this version reads, after checking that every list file is
   * there at its recorded size.
   *
   * @throws CorruptIndexException naming what is missing or wrong
   */
  public static IndexMetadata open(String index, Configuration conf) throws IOException {
    Path dir = new Path(index);
    FileSystem fs = dir.getFileSystem(conf);
    if (!fs.exists(dir)) {
      throw new FileNotFoundException("no index at " + index);
    }
    Path metadataPath = new Path(dir, METADATA);
    if (!fs.exists(metadataPath)) {
      throw new CorruptIndexException(index + " is not a complete index: " + METADATA
          + " is missing (a build that did not finish, or not an index)");
    }
    IndexMetadata metadata;
    try (InputStream in = fs.open(metadataPath)) {
      metadata = JSON.readValue(in, IndexMetadata.class);
    } catch (JsonProcessingException e) {
      throw new CorruptIndexException("corrupt " + metadataPath + ": " + e.getOriginalMessage(), e);
    }
    if (metadata.format() != FORMAT) {
      throw new CorruptIndexException("index format " + metadata.format() + " is not " + FORMAT + ": " + index);
    }
    metric(metadata, index);
    if (metadata.dimension() <= 0 || metadata.lists() == null || metadata.lists().isEmpty()
        || metadata.centroids() == null || metadata.centroids().length != metadata.lists().size()) {
      throw new CorruptIndexException("corrupt " + metadataPath + ": dimension=" + metadata.dimension() + ", lists="
          + (metadata.lists() == null ? "none" : metadata.lists().size()) + ", centroids="
          + (metadata.centroids() == null ? "none" : metadata.centroids().length));
    }
    for (float[] centroid : metadata.centroids()) {
      if (centroid.length != metadata.dimension()) {
        throw new CorruptIndexException("corrupt " + metadataPath + ": embedding dimensions differ: "
            + centroid.length + "!=" + metadata.dimension() + " (a centroid against the index)");
      }
    }
    long rows = 0;
    for (ListFile list : metadata.lists()) {
      Path file = listPath(index, list.file());
      if (!fs.exists(file)) {
        throw new CorruptIndexException(index + " is partial: list file " + file.getName() + " is missing");
      }
      FileStatus status = fs.getFileStatus(file);
      if (status.getLen() != list.bytes()) {
        throw new CorruptIndexException(index + " is partial or damaged: list file " + file.getName() + " has "
            + status.getLen() + " bytes, its metadata says " + list.bytes());
      }
      rows += list.items();
    }
    if (rows != metadata.rows()) {
      throw new CorruptIndexException("corrupt " + metadataPath + ": its lists hold " + rows + " items, it says "
          + metadata.rows());
    }
    return metadata;
  }

  /** The metric the metadata names. */
  static VectorMetric metric(IndexMetadata metadata, String index) throws CorruptIndexException {
    try {
      return EnumSpelling.parse(VectorMetric.class, "metric", metadata.metric());
    } catch (IllegalArgumentException e) {
      throw new CorruptIndexException("index " + index + " names an unknown " + e.getMessage());
    }
  }
}
