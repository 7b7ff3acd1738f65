package dev.magnet.it.yarn;

import dev.magnet.it.Processes;
import dev.magnet.it.SparkHome;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.client.api.YarnClient;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.exceptions.YarnException;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * YARN and HDFS on 127.0.0.1 for the tests, the way Spark tests its own YARN support
 * ({@code YarnClusterSuite}): Hadoop's {@code MiniDFSCluster} (one name node, one data node) and
 * {@code MiniYARNCluster} (a resource manager and one node manager) in this JVM, Hadoop 3.3.4 as
 * Spark 3.5.9 ships it. The node manager runs every container (application masters, executors)
 * as a child process of this JVM, through YARN's own launch script, with the class path YARN
 * gives it.
 *
 * <p>What a user's machine would have, this makes in a temporary directory:
 *
 * <ul>
 *   <li>{@code hadoop-conf/}: the cluster's {@code core-site.xml} (HDFS as the default file system)
 *       and {@code yarn-site.xml} (the resource manager's addresses), for {@code HADOOP_CONF_DIR};
 *   <li>{@code spark-home/}: a Spark installation with {@code spark-yarn} ({@link SparkHome});
 *   <li>{@code site.conf}: the site's Spark properties, passed with {@code --properties-file} as a
 *       cluster's own spark-defaults.conf would be: the Spark jars are on every node
 *       ({@code spark.yarn.jars=local:...}, so nothing is uploaded but the job jar), the JDK 17
 *       of the containers, one replica of the files an application stages on HDFS.
 * </ul>
 *
 * <p>The node manager offers 6 GiB and does not police memory (YARN's physical and virtual memory
 * checks are off): ND4J keeps its arrays off the Java heap, and the containers here are sized
 * for a 2-core machine, not for a cluster.
 */
final class YarnCluster implements AutoCloseable {
  private final MiniDFSCluster dfs;
  private final MiniYARNCluster yarn;
  private final YarnClient client;
  private final Path sparkHome;
  private final Path hadoopConf;
  private final Path siteProperties;
  private boolean closed;

  private YarnCluster(MiniDFSCluster dfs, MiniYARNCluster yarn, YarnClient client, Path sparkHome, Path hadoopConf,
      Path siteProperties) {
    this.dfs = dfs;
    this.yarn = yarn;
    this.client = client;
    this.sparkHome = sparkHome;
    this.hadoopConf = hadoopConf;
    this.siteProperties = siteProperties;
  }

  /** Starts HDFS and YARN with their files under {@code dir}. */
  static YarnCluster start(Path dir) throws IOException {
    Configuration conf = new YarnConfiguration();
    MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf, Files.createDirectories(dir.resolve("dfs")).toFile())
        .numDataNodes(1).build();
    MiniYARNCluster yarn = null;
    YarnClient client = null;
    try {
      dfs.waitActive();
      conf.set("fs.defaultFS", dfs.getURI().toString());
      conf.set(YarnConfiguration.RM_HOSTNAME, "127.0.0.1");
      conf.setInt(YarnConfiguration.NM_PMEM_MB, 6144);
      conf.setInt(YarnConfiguration.NM_VCORES, 4);
      conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
      conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
      conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
      // The machine's disk, shared with other builds, must not mark the node unhealthy.
      conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.0f);
      // One queue, "default", with all of the node (Hadoop's capacity-scheduler.xml, which the
      // minicluster jar does not carry).
      conf.set("yarn.scheduler.capacity.root.queues", "default");
      conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
      conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
      conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
      conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
      conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
      conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
      conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
      conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
      yarn = new MiniYARNCluster("magnet-yarn-it", 1, 1, 1);
      yarn.init(conf);
      yarn.start();
      Configuration started = yarn.getConfig();
      // start() may return before the resource manager has published its port (YarnClusterSuite).
      Processes.await(() -> !started.get(YarnConfiguration.RM_ADDRESS, "").endsWith(":0"),
          "the resource manager's address");
      // A client's configuration: where HDFS and the resource manager are, nothing of the
      // minicluster's own (e.g. its test-only rack mapping class).
      Configuration core = new Configuration(false);
      core.set("fs.defaultFS", dfs.getURI().toString());
      Configuration site = new Configuration(false);
      for (Map.Entry<String, String> e : started) {
        if (e.getKey().startsWith("yarn.resourcemanager.")) {
          site.set(e.getKey(), e.getValue());
        }
      }
      Path hadoopConf = Files.createDirectories(dir.resolve("hadoop-conf"));
      try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("core-site.xml"))) {
        core.writeXml(out);
      }
      try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
        site.writeXml(out);
      }
      client = YarnClient.createYarnClient();
      client.init(started);
      client.start();
      Path sparkHome = SparkHome.create(dir.resolve("spark-home"));
      Path properties = dir.resolve("site.conf");
      Files.writeString(properties, String.join("\n",
          "# The site's Spark properties (what a cluster's spark-defaults.conf holds).",
          "spark.yarn.jars                        local:" + sparkHome.resolve("jars") + "/*",
          "spark.yarn.appMasterEnv.JAVA_HOME      " + System.getProperty("java.home"),
          "spark.executorEnv.JAVA_HOME            " + System.getProperty("java.home"),
          "# Containers bind to the loopback interface: the tests reach nothing beyond this machine.",
          "spark.yarn.appMasterEnv.SPARK_LOCAL_IP 127.0.0.1",
          "spark.executorEnv.SPARK_LOCAL_IP       127.0.0.1",
          "spark.yarn.submit.file.replication     1",
          "spark.yarn.am.memory                   512m",
          ""), StandardCharsets.UTF_8);
      YarnCluster cluster = new YarnCluster(dfs, yarn, client, sparkHome, hadoopConf, properties);
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
      return cluster;
    } catch (IOException | RuntimeException e) {
      if (client != null) {
        client.stop();
      }
      if (yarn != null) {
        yarn.stop();
      }
      dfs.shutdown();
      throw e;
    }
  }

  /** hdfs://127.0.0.1:port, the default file system. */
  String hdfs() {
    return dfs.getURI().toString();
  }

  FileSystem fileSystem() throws IOException {
    return dfs.getFileSystem();
  }

  /** The site's Spark properties file, for {@code --properties-file}. */
  Path siteProperties() {
    return siteProperties;
  }

  /** The environment of a {@code ./spark-submit} (or a script running it) against this cluster. */
  Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(SparkHome.environment(sparkHome));
    env.put("HADOOP_CONF_DIR", hadoopConf.toString());
    // A missing or stale job jar fails the test instead of starting a build inside the build.
    env.put("MAGNET_NO_BUILD", "1");
    return env;
  }

  /** The applications YARN has seen named {@code name}, oldest first. */
  List<ApplicationReport> applications(String name) throws IOException {
    try {
      return client.getApplications().stream().filter(a -> a.getName().equals(name))
          .sorted(Comparator.comparing(ApplicationReport::getApplicationId)).toList();
    } catch (YarnException e) {
      throw new IOException(e);
    }
  }

  /**
   * The JVMs of running containers whose command line names {@code mainClass} (e.g. Spark's
   * {@code ApplicationMaster}), not the shells YARN starts them with: all are descendants of this
   * JVM, where the node manager runs.
   */
  static List<ProcessHandle> containers(String mainClass) {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
        .filter(p -> p.info().commandLine().map(c -> c.contains(" " + mainClass + " ")).orElse(false)).toList();
  }

  /** The last lines of every container's stderr (YARN's logs), for failure messages. */
  String containerLogs() {
    List<String> tails = new ArrayList<>();
    Path work = yarn.getTestWorkDir().toPath();
    for (Path log : stderrFiles("container_")) {
      tails.add("== " + work.relativize(log) + "\n" + Processes.tail(log, 25));
    }
    return String.join("\n", tails);
  }

  /** The whole stderr of the application master of an application's first attempt. */
  String masterLog(ApplicationReport application) throws IOException {
    String id = application.getApplicationId().toString().replace("application_", "container_") + "_01_000001";
    List<Path> logs = stderrFiles(id);
    if (logs.size() != 1) {
      throw new IOException("no single log of " + id + ": " + logs);
    }
    return Files.readString(logs.get(0), StandardCharsets.UTF_8);
  }

  private List<Path> stderrFiles(String containing) {
    List<Path> found = new ArrayList<>();
    try {
      // Not Files.walk: YARN creates and deletes files (a container's .pid.exitcode.tmp) while the
      // tree is read, and a stream's walk fails on the first that went away.
      Files.walkFileTree(yarn.getTestWorkDir().toPath(), new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (file.getFileName().toString().equals("stderr") && file.toString().contains(containing)) {
            found.add(file);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    found.sort(Comparator.naturalOrder());
    return found;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    client.stop();
    yarn.stop();
    dfs.shutdown();
    // The node manager's directories: container logs, and the localized job jar of any
    // application it has not cleaned up yet.
    FileUtil.fullyDelete(yarn.getTestWorkDir());
  }
}
