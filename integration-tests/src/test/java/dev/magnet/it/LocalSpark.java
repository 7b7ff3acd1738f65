package dev.magnet.it;

import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The integration tests' in-process Spark: as magnet-spark's test session (loopback driver, no
 * UI, Kryo with ND4J's registrator), with the master and extra settings a test needs, e.g.
 * {@code local[2,3]} for retried tasks.
 */
public final class LocalSpark {
  private LocalSpark() {}

  /** A new session; one per test class, stopped after it. */
  public static SparkSession start(String appName, String master, Map<String, String> settings) {
    SparkSession.Builder builder = SparkSession.builder()
        .master(master)
        .appName(appName)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "dev.magnet.spark.serde.MagnetKryoRegistrator");
    settings.forEach(builder::config);
    return builder.getOrCreate();
  }

  /** A {@code local[2]} session. */
  public static SparkSession start(String appName) {
    return start(appName, "local[2]", Map.of());
  }
}
