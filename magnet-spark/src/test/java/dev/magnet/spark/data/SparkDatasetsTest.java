package dev.magnet.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.IdxWriter;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.eval.HierarchyMap;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.SparkTestSession;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SparkDatasetsTest {
  @SparkTestSession.PerClass
  private static SparkSession session;
  @SparkTestSession.PerClass
  private static JavaSparkContext spark;

  @TempDir
  Path tmp;

  /** Six 3x2 images whose pixels are k/255, so bytes round-trip exactly; labels 0,1,2,0,1,2. */
  private Path[] writeIdx(IdxWriter.Compression compression) throws IOException {
    float[] pixels = new float[6 * 6];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (i * 7 % 256) / 255f;
    }
    INDArray images = Nd4j.create(pixels, new long[] {6, 1, 3, 2}, org.nd4j.linalg.api.buffer.DataType.FLOAT);
    Path imagesFile = tmp.resolve("images.idx");
    Path labelsFile = tmp.resolve("labels.idx");
    IdxWriter.writeImages(imagesFile, images, compression);
    IdxWriter.writeLabels(labelsFile, new int[] {0, 1, 2, 0, 1, 2}, compression);
    return new Path[] {imagesFile, labelsFile};
  }

  private static List<Example> sorted(SparkDataset data) {
    return data.examples().collect().stream().sorted(Comparator.comparingLong(Example::id)).toList();
  }

  @Test
  void idxReadsRawBytesWithUniqueIdsThroughAnyFileUri() throws IOException {
    Path[] files = writeIdx(IdxWriter.Compression.GZIP);
    SparkDataset data = SparkDatasets.idx(spark, files[0].toUri().toString(), files[1].toUri().toString(),
        List.of("a", "b", "c"), 5);
    assertEquals(InputShape.image(1, 3, 2), data.inputShape());
    assertEquals(spark.defaultParallelism() * 2, data.examples().getNumPartitions());
    List<Example> examples = sorted(data);
    assertEquals(5, examples.size());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L), examples.stream().map(Example::id).toList());
    assertEquals(List.of(0, 1, 2, 0, 1), examples.stream().map(Example::label).toList());
    Example second = examples.get(1);
    assertEquals(FeatureEncoding.UINT8, second.encoding());
    byte[] expected = new byte[6];
    for (int j = 0; j < 6; j++) {
      expected[j] = (byte) ((6 + j) * 7 % 256);
    }
    assertArrayEquals(expected, second.features());
  }

  @Test
  void idxErrorsNameTheMissingFileAndBadLabels() throws IOException {
    Path[] files = writeIdx(IdxWriter.Compression.NONE);
    String missing = tmp.resolve("nope.idx").toString();
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> SparkDatasets.idx(spark, missing, files[1].toString(), List.of("a", "b", "c"), 10));
    assertTrue(e.getMessage().contains("nope.idx"), e.getMessage());
    IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.idx(spark, files[0].toString(), files[1].toString(), List.of("a", "b"), 10));
    assertTrue(labels.getMessage().contains("labels[2]=2"), labels.getMessage());
  }

  @Test
  void fashionMnistFromADirectoryOfItsFileNames() throws IOException {
    Path[] files = writeIdx(IdxWriter.Compression.NONE);
    Files.copy(files[0], tmp.resolve("t10k-images-idx3-ubyte"));
    Files.copy(files[1], tmp.resolve("t10k-labels-idx1-ubyte"));
    Files.copy(files[0], tmp.resolve("train-images-idx3-ubyte"));
    Files.copy(files[1], tmp.resolve("train-labels-idx1-ubyte"));
    SparkDataset test = SparkDatasets.fashionMnist(spark, tmp, false, 4);
    assertEquals(10, test.numClasses());
    assertEquals(4, test.examples().count());
    assertEquals(FeatureEncoding.UINT8, test.examples().first().encoding());
    FileNotFoundException missing = assertThrows(FileNotFoundException.class,
        () -> SparkDatasets.fashionMnist(spark, tmp.resolve("elsewhere"), true, 4));
    assertTrue(missing.getMessage().contains("apt-get install dataset-fashion-mnist"), missing.getMessage());
  }

  @Test
  void syntheticCarriesFineLabelsAsFloats() {
    LabelledDataset core = SyntheticData.vectors(3, 2, 5, 4, 4.0, 0.5, 7);
    SparkDataset data = SparkDatasets.synthetic(spark, core);
    assertEquals(InputShape.vector(4), data.inputShape());
    List<Example> examples = sorted(data);
    assertEquals(30, examples.size());
    int[] fine = core.fineLabels();
    float[] features = core.features().getRow(7).toFloatVector();
    assertEquals(FeatureEncoding.FLOAT32, examples.get(7).encoding());
    assertArrayEquals(features, examples.get(7).decode());
    assertEquals(fine[7], examples.get(7).fineLabel());
    assertEquals(core.labels()[7], examples.get(7).label());
  }

  @Test
  void coarseLabelsKeepTheFineOnes() {
    SparkDataset data = SparkDatasets.synthetic(spark, SyntheticData.vectors(6, 1, 3, 2, 4.0, 0.5, 1));
    HierarchyMap map = HierarchyMap.fashionMnistCoarse();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.withCoarseLabels(data, map, List.of("tops", "trouser")));
    assertEquals("coarse labels must be below the number of coarse names 2; fine=5 coarse=2", e.getMessage());
    SparkDataset coarse = SparkDatasets.withCoarseLabels(data, map, List.of("tops", "trouser", "footwear", "bag"));
    for (Example example : coarse.examples().collect()) {
      assertEquals(map.coarseOf(example.fineLabel()), example.label());
    }
    assertEquals(4, coarse.numClasses());
    assertEquals(Set.of(0, 1, 2), coarse.examples().map(Example::label).distinct().collect().stream()
        .collect(Collectors.toSet()));
  }

  private String writeParquet(String name, DataType featureType, DataType labelType, List<Row> rows) {
    StructType schema = new StructType().add("features", featureType).add("label", labelType).add("other",
        DataTypes.StringType);
    String path = tmp.resolve(name).toString();
    session.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
    return path;
  }

  @Test
  void parquetOfFloatArraysAndStringLabelsSkipsBadRows() {
    String path = writeParquet("strings.parquet", DataTypes.createArrayType(DataTypes.FloatType), DataTypes.StringType,
        List.of(
            RowFactory.create(new float[] {1, 2}, "zebra", "x"),
            RowFactory.create(new float[] {3, 4}, "ant", "x"),
            RowFactory.create(new float[] {Float.NaN, 4}, "ant", "x"),
            RowFactory.create(new float[] {3, 4, 5}, "ant", "x"),
            RowFactory.create(new float[] {5, 6}, null, "x"),
            RowFactory.create(new float[] {7, 8}, "zebra", "x")));
    LoadReport report = SparkDatasets.parquetVectors(session, path, "features", "label");
    assertEquals(3, report.skippedRows());
    SparkDataset data = report.dataset();
    assertEquals(List.of("ant", "zebra"), data.labelNames());
    assertEquals(InputShape.vector(2), data.inputShape());
    List<Example> examples = data.examples().collect();
    assertEquals(3, examples.size());
    assertEquals(3, examples.stream().map(Example::id).collect(Collectors.toSet()).size());
    Set<String> seen = examples.stream().map(e -> e.label() + ":" + Arrays.toString(e.decode()))
        .collect(Collectors.toSet());
    assertEquals(Set.of("1:[1.0, 2.0]", "0:[3.0, 4.0]", "1:[7.0, 8.0]"), seen);
  }

  @Test
  void parquetOfVectorsAndIntegerLabels() {
    String path = writeParquet("vectors.parquet", SQLDataTypes.VectorType(), DataTypes.IntegerType, List.of(
        RowFactory.create(Vectors.dense(1, 2, 3), 0, "x"),
        RowFactory.create(Vectors.sparse(3, new int[] {1}, new double[] {5}), 2, "x")));
    LoadReport report = SparkDatasets.parquetVectors(session, path, "features", "label");
    assertEquals(0, report.skippedRows());
    assertEquals(List.of("0", "1", "2"), report.dataset().labelNames());
    List<Example> examples = report.dataset().examples().collect();
    assertEquals(Set.of("0:[1.0, 2.0, 3.0]", "2:[0.0, 5.0, 0.0]"),
        examples.stream().map(e -> e.label() + ":" + Arrays.toString(e.decode())).collect(Collectors.toSet()));
  }

  /**
   * A label of 2,000,000,000 used to make the driver build two billion class names before anything
   * else; a label at the bound is now refused, naming the range.
   */
  @Test
  void anIntegerLabelBeyondTheClassBoundIsRefusedBeforeNamesAreBuilt() {
    String path = writeParquet("huge.parquet", DataTypes.createArrayType(DataTypes.DoubleType), DataTypes.LongType,
        List.of(RowFactory.create(new double[] {1, 2}, 0L, "x"),
            RowFactory.create(new double[] {3, 4}, (long) SparkDatasets.MAX_CLASSES, "x")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.parquetVectors(session, path, "features", "label"));
    assertEquals("Column label must hold class ids in [0, 1000000): ids 0..C-1 name C classes, and the classes' names"
        + " are built on the driver; min=0 max=1000000 in " + path + " (renumber the classes, or give them as strings)",
        e.getMessage());
  }

  /**
   * Validation and evaluation tables used to be matched to the model's classes by count: with two
   * classes each, "eel" was scored as "dog". String labels are now matched by name (an unknown one
   * refused, naming it), integer labels are class ids below the number of classes, and a table
   * may lack classes.
   */
  @Test
  void labelsAreMatchedToKnownClassesByNameOrId() {
    String strings = writeParquet("named.parquet", DataTypes.createArrayType(DataTypes.FloatType), DataTypes.StringType,
        List.of(RowFactory.create(new float[] {1, 2}, "dog", "x"), RowFactory.create(new float[] {3, 4}, "ant", "x")));
    SparkDataset named = SparkDatasets.parquetVectors(session, strings, "features", "label",
        List.of("dog", "cat", "ant")).dataset();
    assertEquals(List.of("dog", "cat", "ant"), named.labelNames());
    assertEquals(Set.of("0:[1.0, 2.0]", "2:[3.0, 4.0]"), named.examples().collect().stream()
        .map(e -> e.label() + ":" + Arrays.toString(e.decode())).collect(Collectors.toSet()));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.parquetVectors(session, strings, "features", "label", List.of("cat", "dog")));
    assertEquals("Column label names 1 classes that the 2 classes it is matched to [cat, dog] lack: [ant] in " + strings
        + " (labels are matched by name)", unknown.getMessage());

    String ids = writeParquet("ids.parquet", DataTypes.createArrayType(DataTypes.FloatType), DataTypes.IntegerType,
        List.of(RowFactory.create(new float[] {1, 2}, 1, "x")));
    assertEquals(List.of("a", "b", "c"), SparkDatasets.parquetVectors(session, ids, "features", "label",
        List.of("a", "b", "c")).dataset().labelNames());
    IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.parquetVectors(session, ids, "features", "label", List.of("a")));
    assertEquals("Column label must hold class ids in [0, 1), the 1 classes [a] it is matched to; min=1 max=1 in "
        + ids, beyond.getMessage());
  }

  @Test
  void parquetSchemaIsCheckedWithSparkStyleMessages() {
    String path = writeParquet("doubles.parquet", DataTypes.createArrayType(DataTypes.DoubleType), DataTypes.DoubleType,
        List.of(RowFactory.create(new double[] {1, 2}, 0.0, "x")));
    IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.parquetVectors(session, path, "features", "label"));
    assertEquals("Column label must be of type integer or string but was actually double.", label.getMessage());
    IllegalArgumentException features = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.parquetVectors(session, path, "other", "label"));
    assertEquals("Column other must be of type array<float>, array<double> or vector but was actually string.",
        features.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> SparkDatasets.parquetVectors(session, path, "feats", "label"));
    assertEquals("Column feats does not exist. Available: features, label, other.", missing.getMessage());
  }
}
