package dev.magnet.spark.neighbours;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Small embeddings tables for the neighbour tests. */
public final class NeighboursFixtures {
  private NeighboursFixtures() {}

  /** A seeded mixture table (the generator's) at {@code path}. */
  public static void mixture(SparkSession spark, String path, long rows, int dimension, int clusters, long firstId) {
    new MixtureGenerator(spark, new PrintWriter(new StringWriter()))
        .run(new MixtureGenerator.Request(path, rows, dimension, clusters, 0.3, 42, firstId, true, false));
  }

  /** Writes rows of (id, path, embedding, label, model) at {@code path}. */
  public static void table(SparkSession spark, String path, List<Row> rows) {
    spark.createDataFrame(rows, MixtureGenerator.SCHEMA).coalesce(1).write().mode("overwrite").parquet(path);
  }

  /** One row of the generator's schema. */
  public static Row row(long id, String path, float[] vector, String label) {
    Float[] boxed = new Float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      boxed[i] = vector[i];
    }
    return RowFactory.create(id, path, boxed, label, "test-model");
  }

  /** Rows of the mixture, read back as plain vectors, for reference computations. */
  public static List<Row> read(SparkSession spark, String path) {
    return new ArrayList<>(spark.read().parquet(path).orderBy("id").collectAsList());
  }
}
