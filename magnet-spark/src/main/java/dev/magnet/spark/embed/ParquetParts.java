package dev.magnet.spark.embed;

import java.io.IOException;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.OutputWriter;
import org.apache.spark.sql.execution.datasources.OutputWriterFactory;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Writes Parquet part files of one table from inside tasks, with Spark's own Parquet writer
 * ({@link ParquetFileFormat}, as {@code Dataset.write().parquet} uses it: same encoding, same
 * compression setting, Spark's schema with its metadata in the footer), so that one task can write
 * rows of two tables in one pass over its inputs, which a {@code Dataset} write cannot. The job
 * commits the files itself ({@link EmbeddingJob}): each task attempt writes under a hidden name,
 * and the driver renames the files of the attempts whose results it received.
 */
final class ParquetParts implements Serializable {
  private static final long serialVersionUID = 1L;

  private final OutputWriterFactory factory;
  private final StructType schema;
  private final Broadcast<SerializableConfiguration> conf;

  private ParquetParts(OutputWriterFactory factory, StructType schema, Broadcast<SerializableConfiguration> conf) {
    this.factory = factory;
    this.schema = schema;
    this.conf = conf;
  }

  /**
   * Prepares the write of a table of {@code schema} (on the driver). Float arrays are written without
   * dictionary encoding: embeddings never repeat, and Parquet would first fill a dictionary of every
   * value, then give up (a tenth of the job's CPU in a profile).
   */
  static ParquetParts prepare(SparkSession spark, StructType schema) throws IOException {
    Job job = Job.getInstance(spark.sparkContext().hadoopConfiguration());
    for (var field : schema.fields()) {
      if (field.dataType() instanceof org.apache.spark.sql.types.ArrayType) {
        job.getConfiguration().setBoolean("parquet.enable.dictionary#" + field.name() + ".list.element", false);
      }
    }
    OutputWriterFactory factory = new ParquetFileFormat().prepareWrite(spark, job,
        scala.collection.immutable.Map$.MODULE$.<String, String>empty(), schema);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return new ParquetParts(factory, schema, jsc.broadcast(new SerializableConfiguration(job.getConfiguration())));
  }

  /** The files' extension, e.g. ".snappy.parquet". */
  String extension() {
    return factory.getFileExtension(context());
  }

  /** A writer of one file at {@code path}. */
  OutputWriter open(String path) {
    return factory.newInstance(path, schema, context());
  }

  /** Writes an empty file with the schema, so that an empty table still reads (as Spark's own writer does). */
  void writeEmpty(String path) {
    open(path).close();
  }

  private TaskAttemptContext context() {
    Configuration hadoop = conf.value().value();
    return new TaskAttemptContextImpl(hadoop, new TaskAttemptID());
  }

  /** Frees the broadcast configuration. */
  void destroy() {
    conf.destroy();
  }

  /** A writer opened on first row, so that a task with no rows of this table writes no file. */
  static final class Lazy {
    private final ParquetParts parts;
    private final String path;
    private OutputWriter writer;
    private long rows;

    Lazy(ParquetParts parts, String path) {
      this.parts = parts;
      this.path = path;
    }

    void write(InternalRow row) {
      if (writer == null) {
        writer = parts.open(path);
      }
      writer.write(row);
      rows++;
    }

    /** Closes the file; returns its path, or null when no row was written. */
    String close() {
      if (writer == null) {
        return null;
      }
      writer.close();
      writer = null;
      return path;
    }

    long rows() {
      return rows;
    }
  }
}
