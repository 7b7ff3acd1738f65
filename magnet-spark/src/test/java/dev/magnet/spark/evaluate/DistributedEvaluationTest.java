package dev.magnet.spark.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.TestModels;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.io.MetricsJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate} beyond the driver budget gives the driver path's k-NN accuracies, Recall@K,
 * Precision@1, R-Precision and MAP@R to the bit, on data with exact ties (repeated rows).
 */
class DistributedEvaluationTest {
  @SparkTestSession.PerClass
  private static SparkSession spark;
  @TempDir
  static Path dir;

  private static String table(String name, int rows, long seed) {
    StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType), false)
        .add("label", DataTypes.StringType, false);
    SplittableRandom random = new SplittableRandom(seed);
    List<Row> data = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      boolean dog = random.nextBoolean();
      Float[] f = new Float[4];
      for (int j = 0; j < 4; j++) {
        f[j] = (float) (random.nextGaussian() + (dog ? 0.7 : -0.7) * (j % 2 == 0 ? 1 : -1));
      }
      data.add(RowFactory.create(f, dog ? "dog" : "cat"));
      if (i % 25 == 0) {
        data.add(RowFactory.create(f.clone(), dog ? "dog" : "cat")); // an exact tie
      }
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(data, schema).repartition(3).write().parquet(path);
    return path;
  }

  private static Map<String, Double> evaluate(String model, String test, String train, long budget, String json) {
    StringWriter out = new StringWriter();
    assertEquals(0, new EvaluationJob(spark, new PrintWriter(out, true)).run(new EvaluateRequest(model,
        DataSource.parse("parquet:" + test), DataSource.parse("parquet:" + train), null, null, json, null, Map.of(),
        budget, null)), out.toString());
    assertEquals(budget == 0, out.toString().contains("on the executors"), out.toString());
    return JobExceptionFree.summary(json);
  }

  @Test
  void theDistributedPathGivesTheDriverPathsMetrics() throws Exception {
    String model = dir.resolve("model").toString();
    HadoopModelDirectory.save(TestModels.tiny(), model, new Configuration(), false);
    String test = table("test", 500, 1);
    String train = table("train", 900, 2);
    Map<String, Double> driver = evaluate(model, test, train, 1_000_000, dir.resolve("driver.json").toString());
    Map<String, Double> executors = evaluate(model, test, train, 0, dir.resolve("executors.json").toString());
    for (String name : List.of("knn1_accuracy", "knn10_accuracy", "precision_at_1", "recall_at_1", "recall_at_2",
        "recall_at_4", "recall_at_8", "r_precision", "map_at_r", "retrieval_excluded_queries", "cluster_accuracy")) {
      assertTrue(driver.containsKey(name) && executors.containsKey(name), name + " in both: " + driver + executors);
      assertEquals(driver.get(name), executors.get(name), name);
    }
    assertTrue(driver.get("map_at_r") > 0.2 && driver.get("map_at_r") < 1, "a score that can differ: " + driver);
    assertFalse(executors.containsKey("nmi"), "NMI is the driver path's only");
  }

  /** Reads a metrics.json summary. */
  private static final class JobExceptionFree {
    static Map<String, Double> summary(String path) {
      try {
        return MetricsJson.read(path, new Configuration()).summary();
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }
  }
}
