package dev.magnet.spark.neighbours;

import dev.magnet.spark.util.ExitCodes;
import dev.magnet.spark.util.JobException;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An embeddings table as the neighbour jobs read it: the Parquet table of {@code embed} (columns
 * {@code id} long, {@code embedding} array&lt;float&gt;, and when present {@code path},
 * {@code label} and {@code model}), or any table with those columns. {@link #open} checks the
 * schema before any job and the rows in one pass: not empty, one dimension, no NaN or infinite
 * value, no repeated id; each failure is a {@link JobException} with exit status 3 naming the
 * table, the rule and the values.
 *
 * @param location where the table is
 * @param table the table as Spark reads it
 * @param rows its rows, at least one
 * @param dimension the embeddings' one dimension
 * @param model the table's {@code model} (the version that embedded it), or null
 */
public record EmbeddingTable(String location, Dataset<Row> table, long rows, int dimension, String model) {
  static final String ID = "id";
  static final String PATH = "path";
  static final String EMBEDDING = "embedding";
  static final String LABEL = "label";
  static final String MODEL = "model";

  /** Reads and checks the table at {@code location}. */
  public static EmbeddingTable open(SparkSession spark, String location) {
    Dataset<Row> table = JobException.input(() -> spark.read().parquet(location));
    StructType schema = table.schema();
    require(schema, location, ID, List.of(DataTypes.LongType, DataTypes.IntegerType), "long");
    require(schema, location, EMBEDDING, List.of(DataTypes.createArrayType(DataTypes.FloatType, false),
        DataTypes.createArrayType(DataTypes.FloatType, true), DataTypes.createArrayType(DataTypes.DoubleType, false),
        DataTypes.createArrayType(DataTypes.DoubleType, true)), "array<float>");
    Column embedding = functions.col(EMBEDDING);
    Column bad = functions.exists(embedding, x -> functions.isnan(x).or(x.equalTo(Double.POSITIVE_INFINITY))
        .or(x.equalTo(Double.NEGATIVE_INFINITY)).or(x.isNull()));
    Column missing = embedding.isNull();
    boolean hasModel = has(schema, MODEL);
    Row stats = JobException.input(() -> table.agg(functions.count(functions.lit(1)),
        functions.min(functions.size(embedding)), functions.max(functions.size(embedding)),
        functions.sum(functions.when(bad.or(missing), 1).otherwise(0)),
        functions.min(functions.when(bad.or(missing), functions.col(ID))),
        functions.countDistinct(functions.col(ID)),
        hasModel ? functions.first(functions.col(MODEL), true) : functions.lit(null).cast(DataTypes.StringType))
        .first());
    long rows = stats.getLong(0);
    if (rows == 0) {
      throw new JobException(ExitCodes.BAD_INPUT, "the embeddings table " + location + " is empty");
    }
    long invalid = stats.isNullAt(3) ? 0 : stats.getLong(3);
    if (invalid > 0) {
      throw new JobException(ExitCodes.BAD_INPUT, "the embeddings table " + location + " has " + invalid
          + " rows whose embedding is null or holds NaN or infinite values (the first is id " + stats.get(4) + ")");
    }
    int smallest = stats.getInt(1);
    int largest = stats.getInt(2);
    if (smallest != largest) {
      throw new JobException(ExitCodes.BAD_INPUT, "embedding dimensions differ within " + location + ": " + smallest
          + "!=" + largest);
    }
    if (smallest == 0) {
      throw new JobException(ExitCodes.BAD_INPUT, "the embeddings of " + location + " are empty arrays");
    }
    long distinct = stats.getLong(5);
    if (distinct != rows) {
      throw new JobException(ExitCodes.BAD_INPUT, "the embeddings table " + location + " repeats ids: " + rows
          + " rows, " + distinct + " distinct ids");
    }
    return new EmbeddingTable(location, table, rows, smallest, stats.isNullAt(6) ? null : stats.getString(6));
  }

  private static boolean has(StructType schema, String column) {
    return Arrays.asList(schema.fieldNames()).contains(column);
  }

  private static void require(StructType schema, String location, String column, List<DataType> types, String wanted) {
    if (!has(schema, column)) {
      throw new JobException(ExitCodes.BAD_INPUT, "the embeddings table " + location + " has no column '" + column
          + "' (columns: " + String.join(", ", schema.fieldNames()) + ")");
    }
    StructField field = schema.apply(column);
    boolean ok = types.stream().anyMatch(t -> t.sameType(field.dataType()));
    if (!ok && !(field.dataType() instanceof ArrayType && wanted.startsWith("array") && types.stream()
        .anyMatch(t -> t.sameType(field.dataType())))) {
      throw new JobException(ExitCodes.BAD_INPUT, "column '" + column + "' of " + location + " must be of type "
          + wanted + " but was actually " + field.dataType().simpleString());
    }
  }

  /** The rows as items, their vectors prepared for {@code metric}. */
  public JavaRDD<Item> items(VectorMetric metric) {
    StructType schema = table.schema();
    boolean hasPath = has(schema, PATH);
    boolean hasLabel = has(schema, LABEL);
    Column[] columns = {functions.col(ID).cast(DataTypes.LongType),
        hasPath ? functions.col(PATH).cast(DataTypes.StringType) : functions.lit(null).cast(DataTypes.StringType),
        hasLabel ? functions.col(LABEL).cast(DataTypes.StringType) : functions.lit(null).cast(DataTypes.StringType),
        functions.col(EMBEDDING).cast(DataTypes.createArrayType(DataTypes.FloatType))};
    return table.select(columns).javaRDD().map(row -> {
      List<Float> values = row.getList(3);
      float[] vector = new float[values.size()];
      for (int i = 0; i < vector.length; i++) {
        vector[i] = values.get(i);
      }
      return new Item(row.getLong(0), row.isNullAt(1) ? null : row.getString(1),
          row.isNullAt(2) ? null : row.getString(2), metric.prepare(vector));
    });
  }
}
