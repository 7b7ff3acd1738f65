package dev.magnet.it.hdfs;

import dev.magnet.it.LocalSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The HDFS tests' file system: Hadoop's MiniDFSCluster, one name node and one data node in this
 * JVM, its blocks in a temporary folder, and where a test class asks for one, the in-process
 * {@code local[2]} Spark session the CLI runs on. Registered on a static field
 * ({@code @RegisterExtension static final MiniHdfs HDFS = MiniHdfs.withSpark("app");}), it starts
 * before the class's tests and stops after them: Spark first, then the cluster, deleting its folder.
 */
final class MiniHdfs implements BeforeAllCallback, AfterAllCallback {
  private final String sparkApp;
  private Path base;
  private MiniDFSCluster cluster;
  private FileSystem fs;
  private SparkSession spark;

  /** The cluster alone. */
  MiniHdfs() {
    this(null);
  }

  private MiniHdfs(String sparkApp) {
    this.sparkApp = sparkApp;
  }

  /** The cluster and a Spark session named {@code appName}. */
  static MiniHdfs withSpark(String appName) {
    return new MiniHdfs(appName);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    base = Files.createTempDirectory("magnet-dfs");
    cluster = new MiniDFSCluster.Builder(new Configuration(), base.toFile()).numDataNodes(1).build();
    cluster.waitActive();
    fs = cluster.getFileSystem();
    if (sparkApp != null) {
      spark = LocalSpark.start(sparkApp);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (spark != null) {
      spark.stop();
    }
    if (cluster != null) {
      cluster.shutdown();
    }
    FileUtil.fullyDelete(base.toFile());
  }

  /** The cluster's file system. */
  FileSystem fs() {
    return fs;
  }

  /** The Spark session of {@link #withSpark}. */
  SparkSession spark() {
    return spark;
  }

  /** The {@code hdfs://} URI of {@code path} (absolute: it starts with '/') on the cluster. */
  String uri(String path) {
    return cluster.getURI() + path;
  }
}
