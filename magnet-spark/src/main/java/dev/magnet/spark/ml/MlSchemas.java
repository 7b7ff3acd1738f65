package dev.magnet.spark.ml;

import dev.magnet.spark.data.Columns;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The schema checks of the Magnet stages, run in {@code transformSchema} before any job, with
 * messages worded like Spark's own ({@code SchemaUtils}): "Column label must be of type integer
 * but was actually string."
 */
final class MlSchemas {
  private MlSchemas() {}

  /**
   * Checks that {@code name} holds class ids: an integral type, or a double / float holding
   * integers (what {@code StringIndexer} gives); the values themselves are checked when fitting.
   */
  static void checkLabel(StructType schema, String name) {
    DataType type = Columns.column(schema, name).dataType();
    boolean integral = type.equals(DataTypes.IntegerType) || type.equals(DataTypes.LongType)
        || type.equals(DataTypes.ShortType) || type.equals(DataTypes.ByteType);
    boolean floating = type.equals(DataTypes.DoubleType) || type.equals(DataTypes.FloatType);
    if (!integral && !floating) {
      throw new IllegalArgumentException("Column " + name + " must be of type integer but was actually "
          + type.catalogString() + ".");
    }
  }

  /**
   * {@code schema} with the stage's non-empty output columns appended: embedding (vector),
   * prediction (double), probability (vector), cluster (int).
   *
   * @throws IllegalArgumentException when an output column exists already or two share a name
   */
  static StructType withOutputs(StructType schema, MagnetStageParams stage) {
    List<String> outputs = MagnetParamDefinitions.outputColumns(stage);
    if (outputs.stream().distinct().count() != outputs.size()) {
      throw new IllegalArgumentException("Output columns must have distinct names; embeddingCol="
          + stage.getEmbeddingCol() + " predictionCol=" + stage.getPredictionCol() + " probabilityCol="
          + stage.getProbabilityCol() + " clusterCol=" + stage.getClusterCol());
    }
    for (String output : outputs) {
      if (Arrays.asList(schema.fieldNames()).contains(output)) {
        throw new IllegalArgumentException("Column " + output + " already exists.");
      }
    }
    StructType out = schema;
    if (!stage.getEmbeddingCol().isEmpty()) {
      out = out.add(stage.getEmbeddingCol(), SQLDataTypes.VectorType(), false);
    }
    if (!stage.getPredictionCol().isEmpty()) {
      out = out.add(stage.getPredictionCol(), DataTypes.DoubleType, false);
    }
    if (!stage.getProbabilityCol().isEmpty()) {
      out = out.add(stage.getProbabilityCol(), SQLDataTypes.VectorType(), false);
    }
    if (!stage.getClusterCol().isEmpty()) {
      out = out.add(stage.getClusterCol(), DataTypes.IntegerType, false);
    }
    return out;
  }
}
