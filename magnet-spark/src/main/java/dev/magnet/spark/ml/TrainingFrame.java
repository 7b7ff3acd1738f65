package dev.magnet.spark.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.Columns;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * A DataFrame of features and labels as the trainer's {@link SparkDataset}. One aggregation job
 * checks the values before training (labels are class ids, features present, finite and of one
 * size or image shape) and infers the input shape, so bad data is reported on the driver with the
 * offending value, not as a task failure in the middle of an epoch.
 *
 * <p>Label names come from the label column's ML attribute (what {@code StringIndexer} writes: the
 * original strings, in index order) or else are "0".."C-1" with C = largest label + 1. Example ids
 * are Spark's {@code zipWithUniqueId}.
 */
final class TrainingFrame {
  private TrainingFrame() {}

  /**
   * @param declared the {@code inputShape} param, or null to infer the shape from the data
   * @throws IllegalArgumentException naming the column and an offending value
   */
  static SparkDataset of(Dataset<?> dataset, FeatureColumn features, String labelCol, InputShape declared) {
    Dataset<Row> frame = dataset.toDF().select(valuesOf(features).as("f"), col(labelCol).as("l"));
    Column label = col("l").cast("double");
    Column badLabel = label.isNull().or(functions.isnan(label)).or(label.lt(0)).or(label.notEqual(functions.floor(label)))
        .or(label.geq(Integer.MAX_VALUE));
    List<Column> aggregates = new ArrayList<>(List.of(
        functions.count(lit(1)),
        sum(when(badLabel, 1).otherwise(0)),
        first(when(badLabel, functions.coalesce(col("l").cast("string"), lit("null"))), true),
        max(label),
        sum(when(col("f").isNull(), 1).otherwise(0))));
    if (features.kind() == FeatureColumn.Kind.IMAGE) {
      Column pixels = col("f.height").multiply(col("f.width")).multiply(col("f.nChannels"));
      Column badData = col("f").isNotNull().and(col("f.data").isNull().or(length(col("f.data")).notEqual(pixels)));
      aggregates.addAll(List.of(min("f.nChannels"), max("f.nChannels"), min("f.height"), max("f.height"),
          min("f.width"), max("f.width"), sum(when(badData, 1).otherwise(0))));
    } else {
      Column badValue = expr("exists(f, x -> x IS NULL OR isnan(x) OR abs(x) = double('infinity'))");
      aggregates.addAll(List.of(min(size(col("f"))), max(size(col("f"))),
          sum(when(col("f").isNotNull().and(badValue), 1).otherwise(0))));
    }
    Row profile = frame.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).first();
    long rows = profile.getLong(0);
    if (rows == 0) {
      throw new IllegalArgumentException("Column " + features.name() + " must hold at least one row to train on; rows=0");
    }
    if (profile.getLong(1) > 0) {
      throw new IllegalArgumentException("Column " + labelCol + " must hold class ids (integers in [0, "
          + Integer.MAX_VALUE + ")); " + profile.getLong(1) + " of " + rows + " rows do not, e.g. " + profile.getString(2));
    }
    if (profile.getLong(4) > 0) {
      throw new IllegalArgumentException("Column " + features.name() + " must not be null; null in " + profile.getLong(4)
          + " of " + rows + " rows");
    }
    InputShape found = features.kind() == FeatureColumn.Kind.IMAGE ? imageShape(profile, features.name())
        : vectorShape(profile, features.name());
    InputShape shape = found;
    if (declared != null) {
      if (declared.size() != found.size()
          || (found.kind() == InputShape.Kind.IMAGE && !declared.equals(found))) {
        throw new IllegalArgumentException("Column " + features.name() + " holds examples of " + found
            + ", which do not fit inputShape " + declared);
      }
      shape = declared;
    }
    List<String> labelNames = labelNames(dataset, labelCol, (int) profile.getDouble(3));
    FeatureColumn shaped = features.shaped(shape);
    JavaRDD<Example> examples = frame.toJavaRDD().zipWithUniqueId()
        .map(t -> shaped.example(t._2(), (int) ((Number) t._1().get(1)).doubleValue(), t._1().get(0)));
    String description = "DataFrame features=" + features.name() + " label=" + labelCol + " (" + rows + " rows)";
    return new SparkDataset(examples, labelNames, shape, description);
  }

  /** The column's values: arrays as they are, vectors as arrays (for the size and finiteness checks), images as structs. */
  private static Column valuesOf(FeatureColumn features) {
    Column c = col(features.name());
    return features.kind() == FeatureColumn.Kind.VECTOR ? org.apache.spark.ml.functions.vector_to_array(c, "float64") : c;
  }

  private static InputShape vectorShape(Row profile, String name) {
    int minSize = profile.getInt(5);
    int maxSize = profile.getInt(6);
    if (minSize != maxSize) {
      throw new IllegalArgumentException("Column " + name + " must hold features of one size; sizes range from " + minSize
          + " to " + maxSize);
    }
    if (profile.getLong(7) > 0) {
      throw new IllegalArgumentException("Column " + name + " must hold finite values; " + profile.getLong(7)
          + " rows hold NaN, infinite or null values");
    }
    return InputShape.vector(minSize);
  }

  private static InputShape imageShape(Row profile, String name) {
    int[] range = new int[6];
    for (int i = 0; i < range.length; i++) {
      range[i] = profile.getInt(5 + i);
    }
    if (range[0] != range[1] || range[2] != range[3] || range[4] != range[5]) {
      throw new IllegalArgumentException("Column " + name + " must hold images of one shape; nChannels "
          + range[0] + ".." + range[1] + ", height " + range[2] + ".." + range[3] + ", width " + range[4] + ".."
          + range[5]);
    }
    if (profile.getLong(11) > 0) {
      throw new IllegalArgumentException("Column " + name + " must hold 8-bit images of height*width*nChannels bytes; "
          + profile.getLong(11) + " images do not");
    }
    return InputShape.image(range[0], range[2], range[4]);
  }

  private static List<String> labelNames(Dataset<?> dataset, String labelCol, int maxLabel) {
    Attribute attribute = Attribute.fromStructField(Columns.column(dataset.schema(), labelCol));
    if (attribute instanceof NominalAttribute nominal && nominal.values().isDefined()) {
      String[] names = nominal.values().get();
      if (maxLabel >= names.length) {
        throw new IllegalArgumentException("Column " + labelCol + " must hold class ids below the " + names.length
            + " names of its metadata " + Arrays.toString(names) + "; found " + maxLabel);
      }
      return List.of(names);
    }
    List<String> names = new ArrayList<>();
    for (int c = 0; c <= maxLabel; c++) {
      names.add(Integer.toString(c));
    }
    return names;
  }
}
