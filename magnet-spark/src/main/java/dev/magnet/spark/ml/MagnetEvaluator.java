package dev.magnet.spark.ml;

import dev.magnet.core.distance.Distances;
import dev.magnet.core.eval.KnnClassifier;
import dev.magnet.core.eval.RetrievalMetrics;
import dev.magnet.core.eval.RetrievalResult;
import dev.magnet.spark.data.Columns;
import java.util.List;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores embeddings for Spark's {@code CrossValidator} and {@code TrainValidationSplit}: the
 * leave-one-out retrieval metrics of magnet-core on the transformed rows (every row a query
 * against all the others, docs/design.md, "Evaluation"), larger is better.
 *
 * <ul>
 *   <li>{@code precisionAtOne} (default): Precision@1, rows whose class has no other row excluded;
 *   <li>{@code mapAtR}: MAP@R, the same exclusion;
 *   <li>{@code knnAccuracy}: 1-NN accuracy, leave-one-out, every row counted (a row whose class has
 *       no other row counts as wrong).
 * </ul>
 *
 * <p>The embeddings and labels are collected to the driver (the search is exact, n² distances
 * streamed block by block): meant for validation folds, not for a whole corpus.
 */
public final class MagnetEvaluator extends Evaluator implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  /** The metric names, in the order of the class javadoc. */
  public static final List<String> METRICS = List.of("precisionAtOne", "mapAtR", "knnAccuracy");

  private final String uid;
  private final Param<String> metricName;
  private final Param<String> embeddingCol;
  private final Param<String> labelCol;

  public MagnetEvaluator() {
    this(Identifiable.randomUID("magnetEval"));
  }

  /** For Spark's copy and persistence, which rebuild stages from their uid. */
  public MagnetEvaluator(String uid) {
    this.uid = uid;
    this.metricName = new Param<>(this, "metricName", "metric to compute: " + String.join(", ", METRICS),
        ParamValidators.inArray(METRICS));
    this.embeddingCol = new Param<>(this, "embeddingCol", "embedding column: ML Vector, array<float> or array<double>");
    this.labelCol = new Param<>(this, "labelCol", "label column: class ids, integer or double");
    setDefault(metricName, METRICS.get(0));
    setDefault(embeddingCol, "embedding");
    setDefault(labelCol, "label");
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> metricName() {
    return metricName;
  }

  public Param<String> embeddingCol() {
    return embeddingCol;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public String getMetricName() {
    return getOrDefault(metricName);
  }

  public String getEmbeddingCol() {
    return getOrDefault(embeddingCol);
  }

  public String getLabelCol() {
    return getOrDefault(labelCol);
  }

  public MagnetEvaluator setMetricName(String value) {
    return (MagnetEvaluator) set(metricName, value);
  }

  public MagnetEvaluator setEmbeddingCol(String value) {
    return (MagnetEvaluator) set(embeddingCol, value);
  }

  public MagnetEvaluator setLabelCol(String value) {
    return (MagnetEvaluator) set(labelCol, value);
  }

  @Override
  public boolean isLargerBetter() {
    return true;
  }

  @Override
  public double evaluate(Dataset<?> dataset) {
    StructType schema = dataset.schema();
    DataType type = Columns.column(schema, getEmbeddingCol()).dataType();
    boolean vector = type.equals(SQLDataTypes.VectorType());
    if (!vector && !(type instanceof ArrayType a
        && (a.elementType().equals(DataTypes.FloatType) || a.elementType().equals(DataTypes.DoubleType)))) {
      throw new IllegalArgumentException("Column " + getEmbeddingCol() + " must be of type vector, array<float> or"
          + " array<double> but was actually " + type.catalogString() + ".");
    }
    MlSchemas.checkLabel(schema, getLabelCol());
    List<Row> rows = dataset.select(getEmbeddingCol(), getLabelCol()).collectAsList();
    if (rows.size() < 2) {
      throw new IllegalArgumentException("leave-one-out metrics need at least 2 rows; rows=" + rows.size());
    }
    double[][] embeddings = new double[rows.size()][];
    int[] labels = new int[rows.size()];
    for (int i = 0; i < labels.length; i++) {
      Row row = rows.get(i);
      if (row.isNullAt(0) || row.isNullAt(1)) {
        throw new IllegalArgumentException("Columns " + getEmbeddingCol() + " and " + getLabelCol()
            + " must not be null; row " + i + " is " + row);
      }
      embeddings[i] = vector ? ((Vector) row.get(0)).toArray() : doubles(row.getList(0));
      double label = ((Number) row.get(1)).doubleValue();
      if (label != Math.rint(label) || label < 0 || label > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("Column " + getLabelCol() + " must hold class ids; found " + label);
      }
      labels[i] = (int) label;
    }
    var matrix = Nd4j.create(embeddings);
    return switch (getMetricName()) {
      case "precisionAtOne" -> retrieval(matrix, labels, false).precisionAt1();
      case "mapAtR" -> retrieval(matrix, labels, true).mapAtR();
      case "knnAccuracy" -> KnnClassifier.accuracy(new KnnClassifier(matrix, labels).predictLeaveOneOut(1), labels);
      default -> throw new IllegalStateException("unknown metric " + getMetricName());
    };
  }

  private static RetrievalResult retrieval(org.nd4j.linalg.api.ndarray.INDArray embeddings, int[] labels, boolean rankR) {
    RetrievalResult result = RetrievalMetrics.compute(embeddings, labels, rankR, Distances.DEFAULT_BLOCK_ROWS);
    if (result.evaluatedQueries() == 0) {
      throw new IllegalArgumentException("retrieval needs a class with at least 2 rows; every class has one row");
    }
    return result;
  }

  private static double[] doubles(List<Object> values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).doubleValue();
    }
    return out;
  }

  @Override
  public MagnetEvaluator copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  /** Spark's reader of saved evaluators; {@code CrossValidator} persistence finds it by reflection. */
  public static MLReader<MagnetEvaluator> read() {
    return new DefaultParamsReader<>();
  }

  public static MagnetEvaluator load(String path) {
    return read().load(path);
  }
}
