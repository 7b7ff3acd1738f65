package dev.magnet.it.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on 127.0.0.1 for the tests: a master and workers, each a separate
 * JVM started from Spark's own classes ({@code org.apache.spark.deploy.master.Master},
 * {@code ...worker.Worker}) on ephemeral ports, with a temporary {@code SPARK_HOME}:
 *
 * <ul>
 *   <li>{@code jars/}: links to the Spark, Hadoop, Scala and logging jars of the test class path
 *       (everything on it but this repository's modules, DL4J/ND4J/DataVec/JavaCPP, picocli,
 *       JUnit and the HDFS minicluster) — what a Spark distribution's {@code jars/} holds, so the
 *       job's own code comes from the shaded job jar (a few of DL4J's small dependencies that are
 *       not Spark's, e.g. oshi, stay: they are told apart by group only). Workers launch
 *       executors with {@code SPARK_HOME/jars/*} ({@code WorkerCommandBuilder});
 *   <li>{@code conf/log4j2.properties}: INFO to the daemon's log, where the master's URL and a
 *       worker's registration are read from;
 *   <li>{@code bin/spark-submit}: Spark's {@code bin/spark-class} cut down to what it does: ask
 *       Spark's launcher ({@code org.apache.spark.launcher.Main}) for the driver's command line —
 *       in client mode it carries {@code spark.driver.defaultJavaOptions} from the properties file,
 *       the Java 17 {@code --add-opens} — and run it.
 * </ul>
 *
 * <p>The JVM options of the master and workers are conf/java17-options' list (Spark's own on
 * Java 17); executors get theirs from conf/spark-defaults.conf through the application.
 * {@link #close()} kills every JVM it started, executors included.
 */
public final class StandaloneCluster implements AutoCloseable {
  /** Class path entries that are not Spark's: Magnet, the job's libraries, the test tools. */
  private static final List<String> NOT_SPARK = List.of("/org/deeplearning4j/", "/org/nd4j/", "/org/datavec/",
      "/org/bytedeco/", "/info/picocli/", "/org/junit/", "/org/opentest4j/", "/org/apiguardian/",
      "/hadoop-client-minicluster/", "/dev/magnet/");
  /** How long a wait for a daemon or a job event may take: only bounds a hang (a loaded 2-core machine needs minutes). */
  private static final Duration START_LIMIT = Duration.ofMinutes(10);
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
   * Starts a master and {@code workers} workers of one core and {@code memory} each.
   *
   * @param home an empty directory to become SPARK_HOME
   * @param jvmOptions the Java 17 options of the master and workers
   */
  public static StandaloneCluster start(Path home, List<String> jvmOptions, int workers) throws IOException {
    sparkHome(home);
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
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The environment every Spark process of this cluster (and a spark-submit against it) runs with. */
  public Map<String, String> environment() {
    return environment(home);
  }

  private static Map<String, String> environment(Path home) {
    return Map.of("SPARK_HOME", home.toString(), "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_SCALA_VERSION", "2.12",
        "SPARK_CONF_DIR", home.resolve("conf").toString(), "JAVA_HOME", System.getProperty("java.home"));
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
    List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m"));
    command.addAll(jvmOptions);
    command.add("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.properties"));
    command.addAll(List.of("-cp", home.resolve("jars") + "/*"));
    command.addAll(mainAndArgs);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(home.resolve("logs/" + name + ".log").toFile());
    builder.environment().putAll(environment(home));
    return builder.start();
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** SPARK_HOME's jars/, bin/spark-submit, logs/ and an empty conf/. */
  private static void sparkHome(Path home) throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    Files.createDirectories(home.resolve("logs"));
    Files.createDirectories(home.resolve("conf"));
    Files.writeString(home.resolve("conf/log4j2.properties"), String.join("\n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.stdout.ref = console",
        "appender.console.type = Console",
        "appender.console.name = console",
        "appender.console.target = SYSTEM_ERR",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n",
        "logger.jetty.name = org.sparkproject.jetty",
        "logger.jetty.level = warn",
        ""), StandardCharsets.UTF_8);
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path jar = Path.of(entry);
      if (entry.endsWith(".jar") && NOT_SPARK.stream().noneMatch(entry::contains) && !jar.startsWith(Submission.ROOT)
          && Files.isRegularFile(jar)
          && !Files.exists(jars.resolve(jar.getFileName()))) {
        Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
      }
    }
    Path submit = Files.createDirectories(home.resolve("bin")).resolve("spark-submit");
    Files.writeString(submit, String.join("\n",
        "#!/usr/bin/env bash",
        "# Spark's bin/spark-submit and bin/spark-class, cut down. The launcher prints its messages, an",
        "# empty (NUL) line, then the driver's command NUL-separated; its exit status is appended here.",
        "set +o posix",
        "SPARK_HOME=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"; export SPARK_HOME",
        "build_command() {",
        "  \"$JAVA_HOME/bin/java\" -Xmx128m -cp \"$SPARK_HOME/jars/*\" org.apache.spark.launcher.Main"
            + " org.apache.spark.deploy.SparkSubmit \"$@\"",
        "  printf '%d\\0' $?",
        "}",
        "CMD=()",
        "DELIM=$'\\n'",
        "STARTED=false",
        "while IFS= read -d \"$DELIM\" -r ARG; do",
        "  if [[ $STARTED == true ]]; then CMD+=(\"$ARG\")",
        "  elif [[ -z $ARG ]]; then DELIM=''; STARTED=true",
        "  else echo \"$ARG\" >&2; fi",
        "done < <(build_command \"$@\")",
        "LAST=$((${#CMD[@]} - 1))",
        "STATUS=${CMD[$LAST]}",
        "[[ $STATUS =~ ^[0-9]+$ ]] || { echo \"launcher failed: ${CMD[*]}\" >&2; exit 1; }",
        "[[ $STATUS == 0 ]] || exit \"$STATUS\"",
        "exec \"${CMD[@]:0:$LAST}\"",
        ""), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** Waits until {@code log} has a line matching {@code pattern}; its first group. */
  static String awaitMatch(Path log, Pattern pattern, Process process) {
    String[] found = new String[1];
    await(() -> {
      try {
        Matcher m = pattern.matcher(Files.exists(log) ? Files.readString(log) : "");
        if (m.find()) {
          found[0] = m.groupCount() > 0 ? m.group(1) : m.group();
          return true;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("process exited (" + process.exitValue() + ") before '" + pattern + "' in "
            + log + ":\n" + tail(log));
      }
      return false;
    }, "'" + pattern + "' in " + log);
    return found[0];
  }

  /** Polls {@code condition} every 200 ms; fails after {@link #START_LIMIT}, which only a hang reaches. */
  static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + what);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for " + what, e);
      }
    }
  }

  /** The last lines of a log, for failure messages. */
  static String tail(Path log) {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  @Override
  public String toString() {
    return "StandaloneCluster[" + masterUrl + ", workers=" + Arrays.toString(workers.stream()
        .map(p -> p.pid() + (p.isAlive() ? "" : " (dead)")).toArray()) + "]";
  }
}
