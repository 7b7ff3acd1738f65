package dev.magnet.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** The one way tests start Spark: local[2] on 127.0.0.1, no UI, Kryo with ND4J's registrator. */
public final class LocalSpark {
  private LocalSpark() {}

  public static JavaSparkContext start(String name) {
    return new JavaSparkContext(new SparkConf()
        .setMaster("local[2]")
        .setAppName(name)
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.sql.shuffle.partitions", "4")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator"));
  }
}
