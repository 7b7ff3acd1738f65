package dev.magnet.it.cluster;

import dev.magnet.it.Processes;
import dev.magnet.it.SparkHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on 127.0.0.1 for the tests: a master and workers, each a separate
 * JVM started from Spark's own classes ({@code org.apache.spark.deploy.master.Master},
 * {@code ...worker.Worker}) on ephemeral ports, with a temporary {@link SparkHome}. Workers
 * launch executors with {@code SPARK_HOME/jars/*} ({@code WorkerCommandBuilder}); the master's
 * URL and a worker's registration are read from the daemons' logs.
 *
 * <p>The JVM options of the master and workers are conf/java17-options' list (Spark's own on
 * Java 17); executors get theirs from conf/spark-defaults.conf through the application.
 * {@link #close()} kills every JVM it started, executors included.
 */
public final class StandaloneCluster implements AutoCloseable {
  private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://[\\d.]+:\\d+)");
  private static final Pattern MASTER_UI = Pattern.compile("MasterWebUI.*started at (http://\\S+)");

  private final Path home;
  private final List<String> jvmOptions;
  private final Process master;
  private final String masterUrl;
  private final String masterUi;
  private final List<Process> workers = new ArrayList<>();
  private int workerCount;

  private StandaloneCluster(Path home, List<String> jvmOptions, Process master, String masterUrl, String masterUi) {
    this.home = home;
    this.jvmOptions = jvmOptions;
    this.master = master;
    this.masterUrl = masterUrl;
    this.masterUi = masterUi;
  }

  /**
   * Starts a master and {@code workers} workers with the repository's conf/java17-options (whole
   * lines, # comments left out), as the cluster tests run them.
   *
   * @param home an empty directory to become SPARK_HOME
   */
  static StandaloneCluster startWithRepositoryOptions(Path home, int workers) throws IOException {
    List<String> options;
    try (Stream<String> lines = Files.lines(Submission.ROOT.resolve("conf/java17-options"))) {
      options = lines.map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }
    return start(home, options, workers);
  }

  /**
   * Starts a master and {@code workers} workers of one core and {@code memory} each.
   *
   * @param home an empty directory to become SPARK_HOME
   * @param jvmOptions the Java 17 options of the master and workers
   */
  public static StandaloneCluster start(Path home, List<String> jvmOptions, int workers) throws IOException {
    SparkHome.create(home);
    Process master = launch(home, jvmOptions, "master", List.of("org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", "0", "--webui-port", "0"));
    Path log = home.resolve("logs/master.log");
    String url;
    String ui;
    try {
      url = awaitMatch(log, MASTER_URL, master);
      ui = awaitMatch(log, MASTER_UI, master);
    } catch (RuntimeException e) {
      kill(master);
      throw e;
    }
    StandaloneCluster cluster = new StandaloneCluster(home, jvmOptions, master, url, ui);
    // A test JVM that is stopped (not killed) still takes its cluster down with it.
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
    try {
      for (int i = 0; i < workers; i++) {
        cluster.addWorker();
      }
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** spark://127.0.0.1:port */
  public String masterUrl() {
    return masterUrl;
  }

  /** The master's web UI, whose {@code /json} says which workers and applications are alive. */
  public String masterUi() {
    return masterUi;
  }

  public Path sparkHome() {
    return home;
  }

  /** The worker JVMs started so far, killed ones included. */
  public List<Process> workers() {
    return List.copyOf(workers);
  }

  /** Starts one more worker (one core, 1 GiB for executors) and waits until the master has it. */
  public Process addWorker() throws IOException {
    int n = ++workerCount;
    Path work = Files.createDirectories(home.resolve("work/worker-" + n));
    Process worker = launch(home, jvmOptions, "worker-" + n, List.of("org.apache.spark.deploy.worker.Worker",
        "--host", "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", "1", "--memory", "1g",
        "--work-dir", work.toString(), masterUrl));
    workers.add(worker);
    awaitMatch(home.resolve("logs/worker-" + n + ".log"), Pattern.compile("Successfully registered with master"), worker);
    return worker;
  }

  /** Kills a worker JVM and the executors it launched, as a lost machine would. */
  public static void kill(Process process) {
    Processes.kill(process);
  }

  /** The environment every Spark process of this cluster (and a spark-submit against it) runs with. */
  public Map<String, String> environment() {
    return environment(home);
  }

  private static Map<String, String> environment(Path home) {
    return SparkHome.environment(home);
  }

  @Override
  public void close() {
    for (Process worker : workers) {
      kill(worker);
    }
    kill(master);
  }

  private static Process launch(Path home, List<String> jvmOptions, String name, List<String> mainAndArgs)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(SparkHome.javaBinary(), "-Xmx256m"));
    command.addAll(jvmOptions);
    command.add("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.properties"));
    command.addAll(List.of("-cp", home.resolve("jars") + "/*"));
    command.addAll(mainAndArgs);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(home.resolve("logs/" + name + ".log").toFile());
    builder.environment().putAll(environment(home));
    return builder.start();
  }

  static String awaitMatch(Path log, Pattern pattern, Process process) {
    return Processes.awaitMatch(log, pattern, process);
  }

  static void await(BooleanSupplier condition, String what) {
    Processes.await(condition, what);
  }

  static String tail(Path log) {
    return Processes.tail(log);
  }

  @Override
  public String toString() {
    return "StandaloneCluster[" + masterUrl + ", workers=" + Arrays.toString(workers.stream()
        .map(p -> p.pid() + (p.isAlive() ? "" : " (dead)")).toArray()) + "]";
  }
}
