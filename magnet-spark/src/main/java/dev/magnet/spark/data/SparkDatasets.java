package dev.magnet.spark.data;

import dev.magnet.core.data.FashionMnist;
import dev.magnet.core.data.IdxReader;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.eval.HierarchyMap;
import dev.magnet.core.nn.InputShape;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Loaders of {@link SparkDataset}s: IDX files on any Hadoop file system, Fashion-MNIST, the core's
 * synthetic data and Parquet tables of vectors; and a coarse relabelling for hierarchy recovery.
 * Every loader gives unique example ids and labels checked against the label names.
 *
 * <p>IDX files and synthetic data are read on the driver and parallelised (they fit there: 60,000
 * Fashion-MNIST images are 47 MB as bytes); Parquet is read by the executors.
 */
public final class SparkDatasets {
  /** Two slices per core: a straggler costs half a slice, and scheduling stays cheap. */
  private static final int SLICES_PER_CORE = 2;
  /**
   * A million: ten times the largest label sets in use (ImageNet-21k has 21,841 classes), and a
   * bound on what a table's labels make the driver build (a name per class) before anything else
   * is checked.
   */
  public static final int MAX_CLASSES = 1_000_000;
  /** The largest value of an unsigned byte: IDX pixels in [0, 1] are stored as round(255 v). */
  private static final int UBYTE_MAX = 255;

  private SparkDatasets() {}

  /**
   * Reads the first {@code min(limit, n)} examples of an IDX image file and its label file.
   *
   * @param imagesPath unsigned-byte image file (gzip or plain), any Hadoop URI or local path
   * @param labelsPath its label file
   * @param labelNames name of every class; each label must be below its size
   * @param limit most examples to read; {@link IdxReader#ALL} for all
   * @throws FileNotFoundException naming a missing file
   */
  public static SparkDataset idx(JavaSparkContext spark, String imagesPath, String labelsPath,
      List<String> labelNames, int limit) throws IOException {
    Configuration conf = spark.hadoopConfiguration();
    int[] labels;
    try (InputStream in = open(requirePath(labelsPath, "labels"), conf)) {
      labels = IdxReader.readLabels(in, labelsPath, limit);
    }
    INDArray images;
    try (InputStream in = open(requirePath(imagesPath, "images"), conf)) {
      images = IdxReader.readImages(in, imagesPath, limit);
    }
    if (images.size(0) != labels.length) {
      throw new IllegalArgumentException("image and label files differ in count: " + images.size(0) + "!="
          + labels.length + "; images=" + imagesPath + " labels=" + labelsPath);
    }
    checkLabels(labels, labelNames.size(), labelsPath);
    InputShape shape = InputShape.image((int) images.size(1), (int) images.size(2), (int) images.size(3));
    List<Example> examples = uint8Examples(images, labels);
    return new SparkDataset(parallelise(spark, examples), labelNames, shape,
        "IDX images=" + imagesPath + " labels=" + labelsPath + " (" + examples.size() + " examples)");
  }

  /**
   * Fashion-MNIST from {@link FashionMnist#DEFAULT_DIRECTORY} (gzip or plain files).
   *
   * @param train the 60,000 training examples, or else the 10,000 test examples
   * @throws FileNotFoundException saying how to install the data set when it is missing
   */
  public static SparkDataset fashionMnist(JavaSparkContext spark, boolean train, int limit) throws IOException {
    return fashionMnist(spark, FashionMnist.DEFAULT_DIRECTORY, train, limit);
  }

  /** Fashion-MNIST from a local directory holding its four IDX files; see the other overload. */
  public static SparkDataset fashionMnist(JavaSparkContext spark, Path directory, boolean train, int limit)
      throws IOException {
    LabelledDataset data = train ? FashionMnist.train(directory, limit) : FashionMnist.test(directory, limit);
    INDArray images = data.features();
    List<Example> examples = uint8Examples(images, data.labels());
    long[] shape = data.featureShape();
    return new SparkDataset(parallelise(spark, examples), data.labelNames(),
        InputShape.image((int) shape[0], (int) shape[1], (int) shape[2]), data.description());
  }

  /**
   * The core's seeded synthetic data (or any in-memory data set) as FLOAT32 examples; the fine
   * labels are carried when present (-1 otherwise). Ids are the row indices.
   */
  public static SparkDataset synthetic(JavaSparkContext spark, LabelledDataset data) {
    Objects.requireNonNull(data, "data");
    long[] shape = data.featureShape();
    InputShape input = shape.length == 1 ? InputShape.vector((int) shape[0])
        : InputShape.image((int) shape[0], (int) shape[1], (int) shape[2]);
    int[] labels = data.labels();
    int[] fine = data.hasFineLabels() ? data.fineLabels() : null;
    int size = (int) input.size();
    float[] values = data.features().ravel().toFloatVector();
    List<Example> examples = new ArrayList<>(labels.length);
    for (int i = 0; i < labels.length; i++) {
      examples.add(Example.ofFloats(i, labels[i], fine == null ? -1 : fine[i],
          Arrays.copyOfRange(values, i * size, (i + 1) * size)));
    }
    return new SparkDataset(parallelise(spark, examples), data.labelNames(), input, data.description());
  }

  /**
   * A Parquet table of vectors. The features column must be {@code array<float>},
   * {@code array<double>} or a Spark ML {@code Vector}; the label column an integer (class ids
   * 0..C-1, named "0".."C-1", C = largest label + 1) or a string (class names; ids in the sorted
   * order of the distinct names). The schema is checked before any job runs.
   *
   * <p>The feature length is that of the first row. Rows with null features or label, non-finite
   * features or another length are skipped; their number is in the report (counting them costs one
   * pass over the table). Ids are Spark's {@code zipWithUniqueId}.
   *
   * @throws IllegalArgumentException naming the column and its type when the schema does not fit,
   *     or when an integer label is negative
   */
  public static LoadReport parquetVectors(SparkSession spark, String path, String featuresCol, String labelCol) {
    return parquetVectors(spark, path, featuresCol, labelCol, null);
  }

  /**
   * A Parquet table of vectors whose labels are mapped onto known classes (a model's, or the
   * training set's for validation data; docs/reliability.md, "Labels"): a string label is a class
   * name, matched by name, and a name the classes lack is refused, naming it; an integer label is
   * a class id, which must be below the number of classes. Classes the table lacks are fine.
   *
   * @param classes the class names to map onto, or null for the table's own (see the other overload)
   */
  public static LoadReport parquetVectors(SparkSession spark, String path, String featuresCol, String labelCol,
      List<String> classes) {
    Dataset<Row> table = spark.read().parquet(path);
    StructType schema = table.schema();
    DataType featureType = Columns.column(schema, featuresCol).dataType();
    boolean vector = featureType.equals(SQLDataTypes.VectorType());
    boolean array = featureType instanceof ArrayType a
        && (a.elementType().equals(DataTypes.FloatType) || a.elementType().equals(DataTypes.DoubleType));
    if (!vector && !array) {
      throw new IllegalArgumentException("Column " + featuresCol + " must be of type array<float>, array<double>"
          + " or vector but was actually " + featureType.catalogString() + ".");
    }
    boolean integral = Columns.integralLabels(schema, labelCol);
    List<String> labelNames = classes != null ? matchedLabelNames(table, labelCol, integral, classes, path)
        : integral ? integerLabelNames(table, labelCol, path) : stringLabelNames(table, labelCol);
    HashMap<String, Integer> ids = new HashMap<>();
    if (!integral) {
      for (int c = 0; c < labelNames.size(); c++) {
        ids.put(labelNames.get(c), c);
      }
    }
    List<Row> first = table.select(featuresCol).where(functions.col(featuresCol).isNotNull()).takeAsList(1);
    if (first.isEmpty()) {
      throw new IllegalArgumentException("Column " + featuresCol + " must hold features in at least one row; rows with"
          + " features=0 in " + path);
    }
    int dim = features(first.get(0).get(0)).length;
    // Unusable rows become nulls here: one RDD serves both the examples and the count of the skipped.
    JavaRDD<Example> parsed = table.select(featuresCol, labelCol).toJavaRDD().zipWithUniqueId()
        .map(t -> toExample(t._1(), t._2(), dim, integral, ids));
    JavaRDD<Example> examples = parsed.filter(Objects::nonNull);
    long skipped = parsed.filter(Objects::isNull).count();
    String description = "parquet " + path + " features=" + featuresCol + " label=" + labelCol;
    return new LoadReport(new SparkDataset(examples, labelNames, InputShape.vector(dim), description), skipped);
  }

  /**
   * The same examples under coarse labels; {@link Example#relabel} keeps each current label as the
   * fine label.
   *
   * @param coarseNames name of every coarse class; every coarse id the map gives must be below its size
   * @throws IllegalArgumentException when a class of {@code data} is not in the map, or the map
   *     gives a coarse id without a name
   */
  public static SparkDataset withCoarseLabels(SparkDataset data, HierarchyMap map, List<String> coarseNames) {
    Objects.requireNonNull(map, "map");
    int[] coarseOf = new int[data.numClasses()];
    for (int fine = 0; fine < coarseOf.length; fine++) {
      coarseOf[fine] = map.coarseOf(fine);
      if (coarseOf[fine] >= coarseNames.size()) {
        throw new IllegalArgumentException("coarse labels must be below the number of coarse names " + coarseNames.size()
            + "; fine=" + fine + " coarse=" + coarseOf[fine]);
      }
    }
    JavaRDD<Example> relabelled = data.examples().map(e -> e.relabel(coarseOf[e.label()]));
    return new SparkDataset(relabelled, coarseNames, data.inputShape(), data.preprocessing(),
        data.description() + " [coarse: " + coarseNames.size() + " classes]");
  }

  /** The row as an example, or null when it is unusable. */
  private static Example toExample(Row row, long id, int dim, boolean integral, Map<String, Integer> ids) {
    if (row.isNullAt(0) || row.isNullAt(1)) {
      return null;
    }
    float[] values = features(row.get(0));
    if (values.length != dim) {
      return null;
    }
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return null;
      }
    }
    int label = integral ? (int) ((Number) row.get(1)).longValue() : ids.get(row.getString(1));
    return Example.ofFloats(id, label, -1, values);
  }

  /**
   * The floats of one feature cell: an ML {@code Vector} or an array of numbers (a null element
   * becomes NaN, for the caller's finiteness check to count or reject). Shared by the Parquet
   * loader and the Spark ML stages.
   */
  public static float[] features(Object value) {
    if (value instanceof Vector v) {
      double[] d = v.toArray();
      float[] f = new float[d.length];
      for (int i = 0; i < d.length; i++) {
        f[i] = (float) d[i];
      }
      return f;
    }
    scala.collection.Seq<?> seq = (scala.collection.Seq<?>) value;
    float[] f = new float[seq.size()];
    for (int i = 0; i < f.length; i++) {
      Object x = seq.apply(i);
      f[i] = x == null ? Float.NaN : ((Number) x).floatValue();
    }
    return f;
  }

  static List<String> integerLabelNames(Dataset<Row> table, String labelCol, String path) {
    Row range = table.agg(functions.min(labelCol), functions.max(labelCol)).first();
    if (range.isNullAt(0)) {
      throw new IllegalArgumentException("Column " + labelCol + " must hold a label in at least one row; rows with"
          + " labels=0 in " + path);
    }
    long min = ((Number) range.get(0)).longValue();
    long max = ((Number) range.get(1)).longValue();
    if (min < 0 || max >= MAX_CLASSES) {
      throw new IllegalArgumentException("Column " + labelCol + " must hold class ids in [0, " + MAX_CLASSES
          + "): ids 0..C-1 name C classes, and the classes' names are built on the driver; min=" + min + " max=" + max
          + " in " + path + " (renumber the classes, or give them as strings)");
    }
    List<String> names = new ArrayList<>();
    for (long c = 0; c <= max; c++) {
      names.add(Long.toString(c));
    }
    return names;
  }

  /** {@code classes}, once every label of the table names one of them (see {@link #parquetVectors}). */
  private static List<String> matchedLabelNames(Dataset<Row> table, String labelCol, boolean integral,
      List<String> classes, String path) {
    if (integral) {
      Row range = table.agg(functions.min(labelCol), functions.max(labelCol)).first();
      if (!range.isNullAt(0) && (((Number) range.get(0)).longValue() < 0
          || ((Number) range.get(1)).longValue() >= classes.size())) {
        throw new IllegalArgumentException("Column " + labelCol + " must hold class ids in [0, " + classes.size()
            + "), the " + classes.size() + " classes " + preview(classes) + " it is matched to; min=" + range.get(0)
            + " max=" + range.get(1) + " in " + path);
      }
      return classes;
    }
    Set<String> known = new HashSet<>(classes);
    List<String> unknown = stringLabelNames(table, labelCol).stream().filter(name -> !known.contains(name)).toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("Column " + labelCol + " names " + unknown.size() + " classes that the "
          + classes.size() + " classes it is matched to " + preview(classes) + " lack: " + preview(unknown) + " in "
          + path + " (labels are matched by name)");
    }
    return classes;
  }

  /** At most the first ten names, for a message. */
  private static String preview(List<String> names) {
    return names.size() <= 10 ? names.toString()
        : names.subList(0, 10).toString().replace("]", ", ... (" + (names.size() - 10) + " more)]");
  }

  static List<String> stringLabelNames(Dataset<Row> table, String labelCol) {
    List<String> names = new ArrayList<>();
    for (Row row : table.select(labelCol).where(functions.col(labelCol).isNotNull()).distinct().collectAsList()) {
      names.add(row.getString(0));
    }
    names.sort(null);
    return names;
  }

  private static String requirePath(String path, String what) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException(what + " path must be given; path=" + path);
    }
    return path;
  }

  private static InputStream open(String path, Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path);
    FileSystem fs = file.getFileSystem(conf);
    if (!fs.exists(file)) {
      throw new FileNotFoundException("IDX file not found: " + fs.makeQualified(file));
    }
    return fs.open(file);
  }

  private static void checkLabels(int[] labels, int numClasses, String source) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= numClasses) {
        throw new IllegalArgumentException("labels must be below the number of label names " + numClasses
            + "; labels[" + i + "]=" + labels[i] + " in " + source);
      }
    }
  }

  /** Images in [0, 1] of shape [n, c, h, w] as UINT8 examples, ids 0..n-1. */
  private static List<Example> uint8Examples(INDArray images, int[] labels) {
    int n = labels.length;
    int size = (int) (images.length() / n);
    float[] values = images.ravel().toFloatVector();
    List<Example> examples = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] bytes = new byte[size];
      for (int j = 0; j < size; j++) {
        bytes[j] = (byte) Math.round(values[i * size + j] * UBYTE_MAX);
      }
      examples.add(new Example(i, labels[i], -1, FeatureEncoding.UINT8, bytes));
    }
    return examples;
  }

  /**
   * The examples as an RDD of {@code defaultParallelism × SLICES_PER_CORE} slices, cut where
   * {@code parallelize} would cut them. The examples travel once per executor, as a broadcast,
   * and each slice is a pair of indices into it: {@code parallelize} would instead put every
   * slice's examples inside its partition object, which Spark serialises into every task of
   * every stage that descends from it — 12 MB per task for Fashion-MNIST, in each of an epoch's
   * dozen stages, cached or not.
   */
  private static JavaRDD<Example> parallelise(JavaSparkContext spark, List<Example> examples) {
    int slices = Math.max(1, spark.defaultParallelism() * SLICES_PER_CORE);
    // Not destroyed: the data set's lineage reads it for as long as the data set is used; Spark's
    // cleaner drops it with the RDD.
    Broadcast<List<Example>> shared = spark.broadcast(new ArrayList<>(examples));
    List<Integer> indices = java.util.stream.IntStream.range(0, slices).boxed().toList();
    int n = examples.size();
    return spark.parallelize(indices, slices).flatMap(slice -> {
      // ParallelCollectionRDD.slice's boundaries: [i·n/slices, (i+1)·n/slices).
      int from = (int) ((long) slice * n / slices);
      int to = (int) ((long) (slice + 1) * n / slices);
      return shared.value().subList(from, to).iterator();
    });
  }
}
