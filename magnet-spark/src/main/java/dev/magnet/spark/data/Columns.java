package dev.magnet.spark.data;

import java.util.Objects;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The column checks of the Parquet readers and the ML stages, run on a schema before any job, with
 * messages worded like Spark's own ({@code SchemaUtils}): "Column label must be of type integer or
 * string but was actually double."
 */
public final class Columns {
  private Columns() {}

  /** The column {@code name}, or an error listing the columns there are. */
  public static StructField column(StructType schema, String name) {
    Objects.requireNonNull(name, "column name");
    for (StructField field : schema.fields()) {
      if (field.name().equals(name)) {
        return field;
      }
    }
    throw new IllegalArgumentException("Column " + name + " does not exist. Available: "
        + String.join(", ", schema.fieldNames()) + ".");
  }

  /**
   * Whether the label column {@code name} holds class ids (int or long) rather than class names
   * (string); an error naming it when it holds neither.
   */
  static boolean integralLabels(StructType schema, String name) {
    DataType type = column(schema, name).dataType();
    boolean integral = type.equals(DataTypes.IntegerType) || type.equals(DataTypes.LongType);
    if (!integral && !type.equals(DataTypes.StringType)) {
      throw new IllegalArgumentException("Column " + name + " must be of type integer or string but was actually "
          + type.catalogString() + ".");
    }
    return integral;
  }
}
