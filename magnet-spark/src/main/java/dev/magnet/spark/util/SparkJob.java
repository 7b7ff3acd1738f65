package dev.magnet.spark.util;

import java.io.PrintWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What every job of the Spark module is built with: the session it runs in, the session's Java
 * context (for RDDs), its Hadoop configuration (for the job's files), where the job reports (the
 * command's standard output) and where it warns and shows progress (the command's standard error).
 */
public abstract class SparkJob {
  protected final SparkSession session;
  protected final JavaSparkContext spark;
  protected final Configuration conf;
  protected final PrintWriter out;
  protected final PrintWriter err;

  /** A job that only reports: its warnings, if any, go to {@code out} too. */
  protected SparkJob(SparkSession session, PrintWriter out) {
    this(session, out, out);
  }

  protected SparkJob(SparkSession session, PrintWriter out, PrintWriter err) {
    this.session = session;
    this.spark = JavaSparkContext.fromSparkContext(session.sparkContext());
    this.conf = spark.hadoopConfiguration();
    this.out = out;
    this.err = err;
  }
}
