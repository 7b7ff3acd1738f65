package dev.magnet.spark.util;

import java.io.PrintWriter;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What every job of the Spark module is built with: the session it runs in, the session's Java
 * context (for RDDs and the Hadoop configuration), and where the job reports, the command's
 * standard output. A job that also warns takes the command's standard error as well.
 */
public abstract class SparkJob {
  protected final SparkSession session;
  protected final JavaSparkContext spark;
  protected final PrintWriter out;

  protected SparkJob(SparkSession session, PrintWriter out) {
    this.session = session;
    this.spark = JavaSparkContext.fromSparkContext(session.sparkContext());
    this.out = out;
  }
}
