package dev.magnet.spark;

import org.apache.spark.sql.SparkSession;

/** The module's test Spark: local[2], no UI, loopback driver, Kryo with Magnet's registrator (ND4J's, with a bulk INDArray serialiser). */
public final class SparkTestSession {
  private SparkTestSession() {}

  /** A new session; call once per test class and stop it after. */
  public static SparkSession start(String appName) {
    return SparkSession.builder()
        .master("local[2]")
        .appName(appName)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.registrator", "dev.magnet.spark.serde.MagnetKryoRegistrator")
        .getOrCreate();
  }
}
