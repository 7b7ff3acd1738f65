package dev.magnet.it;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * A temporary {@code SPARK_HOME} made from the test class path, as the cluster tests' Spark
 * installation (standalone and YARN):
 *
 * <ul>
 *   <li>{@code jars/}: links to the Spark, Hadoop, Scala and logging jars of the test class path
 *       (everything on it but this repository's modules, DL4J/ND4J/DataVec/JavaCPP, picocli,
 *       JUnit, the HDFS minicluster and the in-process S3 server with its libraries) — what a
 *       Spark distribution's {@code jars/} holds, with its optional modules: {@code spark-yarn},
 *       {@code spark-kubernetes} and the S3 connector ({@code hadoop-aws} with the AWS SDK
 *       bundle, as Spark's {@code hadoop-cloud} builds ship it). The job's own code comes from
 *       the shaded job jar. A few of DL4J's small dependencies that are not Spark's (e.g. oshi)
 *       stay: jars are told apart by group only;
 *   <li>{@code conf/log4j2.properties}: INFO to the daemon's log, where the cluster tests read
 *       addresses and registrations from;
 *   <li>{@code bin/spark-submit}: Spark's {@code bin/spark-class} cut down to what it does: ask
 *       Spark's launcher ({@code org.apache.spark.launcher.Main}) for the driver's command line —
 *       in client mode it carries {@code spark.driver.defaultJavaOptions} from the properties file,
 *       the Java 17 {@code --add-opens} — and run it;
 *   <li>{@code logs/}, empty.
 * </ul>
 */
public final class SparkHome {
  /** The repository root: the parent of this module (surefire runs in the module's directory). */
  public static final Path REPOSITORY = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

  /** Class path entries that are not Spark's: Magnet, the job's libraries, the test tools. */
  private static final List<String> NOT_SPARK = List.of("/org/deeplearning4j/", "/org/nd4j/", "/org/datavec/",
      "/org/bytedeco/", "/info/picocli/", "/org/junit/", "/org/opentest4j/", "/org/apiguardian/",
      "/hadoop-client-minicluster/", "/org/bouncycastle/", "/dev/magnet/",
      // A Guava other than the 14.0.1 Spark ships (s3proxy, in dev.magnet.it.s3, is off the class path).
      "/com/google/guava/");

  private SparkHome() {}

  /** Makes {@code home} (an empty or missing directory) a SPARK_HOME; returns it. */
  public static Path create(Path home) throws IOException {
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
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      if (entry.endsWith(".jar") && NOT_SPARK.stream().noneMatch(entry::contains) && !jar.startsWith(REPOSITORY)
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
    return home;
  }

  /** The environment every Spark process of a cluster on {@code home} (and a spark-submit with it) runs with. */
  public static Map<String, String> environment(Path home) {
    return Map.of("SPARK_HOME", home.toString(), "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_SCALA_VERSION", "2.12",
        "SPARK_CONF_DIR", home.resolve("conf").toString(), "JAVA_HOME", System.getProperty("java.home"));
  }

  /** The java of this JVM's JDK. */
  public static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The Java 17 options of conf/java17-options, one a line (Spark's own on Java 17 and ND4J's). */
  public static List<String> java17Options() throws IOException {
    return Files.readAllLines(REPOSITORY.resolve("conf/java17-options")).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
  }
}
