package dev.magnet.spark.util;

import java.io.PrintWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What every job of the Spark module is built with: the session it runs in, the session's Java
 * context (for RDDs), its Hadoop configuration (for the job's files), and where the job reports,
 * the command's standard output. A job that also warns takes the command's standard error as well.
 */
public abstract class SparkJob {
  protected final SparkSession session;
  protected final JavaSparkContext spark;
  protected final Configuration conf;
  protected final PrintWriter out;

  protected SparkJob(SparkSession session, PrintWriter out) {
    this.session = session;
    this.spark = JavaSparkContext.fromSparkContext(session.sparkContext());
    this.conf = spark.hadoopConfiguration();
    this.out = out;
  }
}
