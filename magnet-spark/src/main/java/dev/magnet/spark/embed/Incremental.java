package dev.magnet.spark.embed;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.io.HadoopModelDirectory;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.Metadata;

/**
 * An incremental run of {@code embed --incremental}: the files of the listing whose path, size and
 * modification time are already in the embeddings or the rejects table are skipped; the others
 * are embedded (new files, and files that changed since), get ids after the table's largest, and
 * are appended atomically: each table is staged as its earlier rows, less those of the files
 * embedded again, plus the new rows, and moved into place only when both are complete, exactly as
 * a full run publishes ({@link EmbeddingJob}). A killed run leaves both tables as they were.
 *
 * <p>The earlier tables' (path, size, time) triples are read to the driver to filter the listing,
 * next to the listing itself: memory of the same order as the listing's. The earlier rows are
 * copied into the staged tables by a Spark job; appending costs a rewrite of the table (Parquet
 * files being immutable and a directory rename the only atomic publish on every file system).
 *
 * @param output the embeddings table appended to
 * @param rejects the rejects table appended to
 * @param remaining the files to embed
 * @param skipped files skipped: in an earlier table, unchanged
 * @param changed files embedded again because their size or modification time changed
 * @param firstId the first id of the new rows: after the earlier table's largest
 * @param earlier whether there is an earlier embeddings table to carry over
 */
public record Incremental(String output, String rejects, ImageFiles remaining, long skipped, List<String> changed,
    long firstId, boolean earlier) {
  public Incremental {
    changed = List.copyOf(changed);
  }

  /**
   * Reads the earlier tables and filters the listing. Without an earlier embeddings table the run is
   * a full one (nothing skipped, nothing carried).
   *
   * @throws IllegalArgumentException when the earlier table was embedded with another model, or
   *     has no file sizes and times (written before they were recorded)
   */
  public static Incremental prepare(SparkSession spark, String output, String rejects, ImageFiles listing,
      ModelArtifact artifact) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (!HadoopModelDirectory.exists(output, conf)) {
      return new Incremental(output, rejects, listing, 0, List.of(), 0, false);
    }
    Dataset<Row> embeddings = spark.read().parquet(output);
    check(embeddings, output, "embeddings");
    Metadata provenance = embeddings.schema().apply("embedding").metadata();
    String trainedAt = provenance.contains("magnet.model.trainedAt")
        ? provenance.getString("magnet.model.trainedAt") : "unknown";
    if (!trainedAt.equals(artifact.provenance().trainedAt())) {
      throw new IllegalArgumentException("--incremental appends to a table of the same model; " + output
          + " was embedded with the model trained at " + trainedAt + ", this one was trained at "
          + artifact.provenance().trainedAt() + " (embed without --incremental, with --overwrite)");
    }
    Map<String, long[]> done = new HashMap<>();
    collect(embeddings, done);
    if (HadoopModelDirectory.exists(rejects, conf)) {
      Dataset<Row> rejected = spark.read().parquet(rejects);
      check(rejected, rejects, "rejects");
      collect(rejected, done);
    }
    List<String> changed = new ArrayList<>();
    ImageFiles remaining = listing.filter(i -> {
      long[] seen = done.get(listing.path(i));
      if (seen == null) {
        return true;
      }
      if (seen[0] == listing.fileSize(i) && seen[1] == listing.modified(i)) {
        return false;
      }
      changed.add(listing.path(i));
      return true;
    });
    Row max = embeddings.agg(org.apache.spark.sql.functions.max("id")).first();
    long firstId = max.isNullAt(0) ? 0 : max.getLong(0) + 1;
    return new Incremental(output, rejects, remaining, listing.size() - remaining.size(), changed, firstId, true);
  }

  private static void check(Dataset<Row> table, String path, String what) {
    List<String> columns = List.of(table.columns());
    if (!columns.contains("path") || !columns.contains("file_size") || !columns.contains("file_modified")) {
      throw new IllegalArgumentException("--incremental needs the " + what + " table's path, file_size and"
          + " file_modified columns; " + path + " has " + columns + " (embed without --incremental, with --overwrite)");
    }
  }

  /** Adds each row's path -> (size, modification time in ms). */
  private static void collect(Dataset<Row> table, Map<String, long[]> done) {
    Iterator<Row> rows = table.select("path", "file_size", "file_modified").where("path IS NOT NULL")
        .toLocalIterator();
    while (rows.hasNext()) {
      Row r = rows.next();
      long size = r.isNullAt(1) ? -1 : r.getLong(1);
      long modified = r.isNullAt(2) ? -1 : ((Timestamp) r.get(2)).getTime();
      done.put(r.getString(0), new long[] {size, modified});
    }
  }

  /**
   * Copies the earlier rows, less those of the files embedded again, into the staged tables.
   *
   * @return the rows copied
   */
  long carryOver(SparkSession spark, String embeddingsStaging, String rejectsStaging) throws IOException {
    if (!earlier) {
      return 0;
    }
    long rows = copy(spark, output, embeddingsStaging);
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (HadoopModelDirectory.exists(rejects, conf)) {
      rows += copy(spark, rejects, rejectsStaging);
    }
    return rows;
  }

  private long copy(SparkSession spark, String table, String staging) throws IOException {
    Dataset<Row> rows = spark.read().parquet(table);
    if (!changed.isEmpty()) {
      Dataset<Row> again = spark.createDataset(changed, Encoders.STRING()).toDF("path");
      rows = rows.join(again, rows.col("path").equalTo(again.col("path")), "left_anti");
    }
    // Not hidden: Spark would ignore a path named "_carry" when reading it back to count its rows; the staged
    // table is published only after the folder is emptied and deleted.
    Path carry = new Path(staging, "carry");
    rows.write().parquet(carry.toString());
    long count = spark.read().parquet(carry.toString()).count();
    FileSystem fs = carry.getFileSystem(spark.sparkContext().hadoopConfiguration());
    for (FileStatus file : fs.listStatus(carry)) {
      String name = file.getPath().getName();
      if (name.startsWith("part-") && !fs.rename(file.getPath(), new Path(staging, "carried-" + name))) {
        throw new IOException("cannot move " + file.getPath() + " into " + staging);
      }
    }
    fs.delete(carry, true);
    return count;
  }
}
