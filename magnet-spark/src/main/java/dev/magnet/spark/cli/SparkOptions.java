package dev.magnet.spark.cli;

import java.io.PrintWriter;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The Spark options every command shares, the session they give, and the command's output. */
final class SparkOptions {
  /** Every local core: the embedded mode of the README. */
  static final String DEFAULT_MASTER = "local[*]";

  @Option(names = "--master", paramLabel = "URL", defaultValue = DEFAULT_MASTER,
      description = "Spark master when no session is active (spark-submit sets one); default: ${DEFAULT-VALUE}.")
  String master;

  /** The command that mixes these options in. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec command;

  /** The command's standard output, where its job reports. */
  PrintWriter out() {
    return command.commandLine().getOut();
  }

  /** The command's standard error, where its job warns. */
  PrintWriter err() {
    return command.commandLine().getErr();
  }

  /** A session, and whether this command started it (and so must stop it). */
  record Session(SparkSession spark, boolean owned) implements AutoCloseable {
    @Override
    public void close() {
      if (owned) {
        spark.stop();
      }
    }
  }

  /** The active session if there is one (spark-submit, tests); otherwise a new one. */
  Session session(String appName) {
    if (SparkSession.getActiveSession().isDefined()) {
      return new Session(SparkSession.getActiveSession().get(), false);
    }
    SparkSession.Builder builder = SparkSession.builder()
        .appName(applicationName(appName))
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "dev.magnet.spark.serde.MagnetKryoRegistrator");
    // A real spark-submit passes its --master as the spark.master property: keep it.
    String effective = System.getProperty("spark.master", master);
    builder.master(effective);
    if (effective.startsWith("local")) {
      // The embedded Spark talks to itself only: stay on loopback, whatever the host name resolves to.
      builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1");
    }
    return new Session(builder.getOrCreate(), true);
  }

  /**
   * spark-submit's {@code --name} (the {@code spark.app.name} it sets) when one was given, else
   * {@code magnetName}: the name the cluster manager shows for a client-mode driver, which names
   * the application itself. Without {@code --name} spark-submit names it after the main class or
   * the jar, and Magnet's name (e.g. "magnet train") says more.
   */
  static String applicationName(String magnetName) {
    String given = System.getProperty("spark.app.name");
    if (given == null || given.equals(MagnetCli.class.getName()) || given.endsWith(".jar")) {
      return magnetName;
    }
    return given;
  }
}
