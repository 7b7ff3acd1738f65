package dev.magnet.spark.ml;

import dev.magnet.core.data.ImagePreprocessing;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.TestModels;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Images read with Spark's {@code image} source, and the schema and data errors the estimator
 * reports before training: schema errors before any job (checked on a DataFrame whose every job
 * fails), data errors from one checking job, with the offending value.
 */
class MagnetImageAndSchemaTest {
  private static final int SIZE = 12;
  @SparkTestSession.PerClass
  private static SparkSession spark;

  @TempDir
  static Path tmp;

  /** Colour PNGs of 2 classes x 2 hidden sub-classes x 8, 12x12, under root/class{c}/{i}.png. */
  private static Path writePngs() throws Exception {
    LabelledDataset data = SyntheticData.images(2, 2, 8, SIZE, 3);
    float[] pixels = data.features().ravel().toFloatVector();
    Path root = tmp.resolve("images");
    for (int i = 0; i < data.size(); i++) {
      BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < SIZE; y++) {
        for (int x = 0; x < SIZE; x++) {
          int v = Math.round(pixels[i * SIZE * SIZE + y * SIZE + x] * 255);
          image.setRGB(x, y, (v << 16) | ((255 - v) << 8) | (v / 2)); // R, G, B differ
        }
      }
      Path dir = Files.createDirectories(root.resolve("class" + data.labels()[i]));
      ImageIO.write(image, "png", dir.resolve(i + ".png").toFile());
    }
    return root;
  }

  /** The PNG as the network must see it: RGB planes, rows in C order, in [0, 1]. */
  private static float[] rgbPlanes(String origin) throws Exception {
    BufferedImage image = ImageIO.read(new File(new java.net.URI(origin)));
    float[] out = new float[3 * SIZE * SIZE];
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        int rgb = image.getRGB(x, y);
        for (int c = 0; c < 3; c++) {
          out[(c * SIZE + y) * SIZE + x] = ((rgb >> (16 - 8 * c)) & 0xFF) / 255f;
        }
      }
    }
    return out;
  }

  @Test
  void fitsAndTransformsImagesOfTheImageSource() throws Exception {
    Path root = writePngs();
    Dataset<Row> images = spark.read().format("image").load(root + "/*/*.png")
        .withColumn("label", regexp_extract(col("image.origin"), "/class([0-9]+)/", 1).cast("int"));
    MagnetModel model = new MagnetEstimator().setFeaturesCol("image").setHiddenSizes(new int[] {16})
        .setEmbeddingDim(8).setClustersPerClass(2).setClustersPerBatch(3).setExamplesPerCluster(4).setEpochs(1)
        .setAugment("flip").fit(images);
    assertEquals(InputShape.image(3, SIZE, SIZE), model.artifact().networkSpec().input(), "shape inferred");
    assertEquals(ImagePreprocessing.of(3, SIZE, SIZE).withAugmentation(ImagePreprocessing.Augmentation.FLIP),
        model.artifact().preprocessing(), "the model records how its images were made inputs and augmented");
    assertEquals(Architecture.FMNIST_CNN, model.artifact().networkSpec().architecture(), "the CLI's default for images");
    List<Row> rows = model.transform(images).select("image.origin", "embedding", "prediction", "cluster").collectAsList();
    assertEquals(32, rows.size());
    for (Row row : rows) {
      INDArray expected = model.artifact().embed(Nd4j.create(new float[][] {rgbPlanes(row.getString(0))}));
      double[] actual = ((Vector) row.get(1)).toArray();
      for (int j = 0; j < actual.length; j++) {
        assertEquals(expected.getDouble(0, j), actual[j], 1e-5, "embedding of " + row.getString(0));
      }
      assertTrue(row.getDouble(2) == 0 || row.getDouble(2) == 1);
    }
  }

  /** A DataFrame of {@code schema} whose every job fails: a check that runs one cannot pass unnoticed. */
  private static Dataset<Row> noJobAllowed(StructType schema) {
    JavaRDD<Row> poisoned = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(1), 1)
        .map(i -> {
          throw new IllegalStateException("a Spark job ran");
        });
    return spark.createDataFrame(poisoned, schema);
  }

  private static IllegalArgumentException fitFails(MagnetEstimator estimator, Dataset<Row> frame) {
    return assertThrows(IllegalArgumentException.class, () -> estimator.fit(frame));
  }

  @Test
  void schemaErrorsComeBeforeAnyJob() {
    StructType strings = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.StringType);
    assertEquals("Column label must be of type integer but was actually string.",
        fitFails(new MagnetEstimator(), noJobAllowed(strings)).getMessage());

    StructType text = new StructType().add("features", DataTypes.StringType).add("label", DataTypes.IntegerType);
    assertTrue(fitFails(new MagnetEstimator(), noJobAllowed(text)).getMessage().startsWith(
        "Column features must be of type vector, array<float>, array<double>, struct<"));
    StructType encoded = new StructType().add("features", DataTypes.BinaryType).add("label", DataTypes.IntegerType);
    assertTrue(fitFails(new MagnetEstimator(), noJobAllowed(encoded)).getMessage().startsWith(
        "Column features holds encoded image files, which a fitted model embeds"));
    assertEquals("augment flip needs 8-bit images (an image struct column); column features holds vectors",
        fitFails(new MagnetEstimator().setAugment("flip"), noJobAllowed(new StructType()
            .add("features", SQLDataTypes.VectorType()).add("label", DataTypes.IntegerType))).getMessage());

    StructType noLabel = new StructType().add("features", SQLDataTypes.VectorType()).add("y", DataTypes.IntegerType);
    assertEquals("Column label does not exist. Available: features, y.",
        fitFails(new MagnetEstimator(), noJobAllowed(noLabel)).getMessage());

    StructType taken = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.IntegerType)
        .add("prediction", DataTypes.DoubleType);
    assertEquals("Column prediction already exists.", fitFails(new MagnetEstimator(), noJobAllowed(taken)).getMessage());

    StructType vectors = new StructType().add("features", SQLDataTypes.VectorType()).add("label", DataTypes.DoubleType);
    assertTrue(fitFails(new MagnetEstimator().setNetwork("fmnist-cnn"), noJobAllowed(vectors)).getMessage()
        .startsWith("network fmnist-cnn needs images"));
    StructType image = new StructType().add("image", DataTypes.createStructType(List.of(
            DataTypes.createStructField("height", DataTypes.IntegerType, false),
            DataTypes.createStructField("width", DataTypes.IntegerType, false),
            DataTypes.createStructField("nChannels", DataTypes.IntegerType, false),
            DataTypes.createStructField("data", DataTypes.BinaryType, false))))
        .add("label", DataTypes.IntegerType);
    assertEquals("Column image holds images; inputShape must be [channels, height, width]; inputShape="
        + InputShape.vector(4), fitFails(new MagnetEstimator().setInputShape(new int[] {4}).setFeaturesCol("image"),
            noJobAllowed(image)).getMessage());
  }

  private static Dataset<Row> arrays(List<Row> rows) {
    StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
        .add("label", DataTypes.DoubleType);
    return spark.createDataFrame(rows, schema);
  }

  @Test
  void dataErrorsNameTheOffendingValueBeforeTraining() {
    List<Float> ok = List.of(0f, 1f);
    IllegalArgumentException fraction = fitFails(new MagnetEstimator(), arrays(List.of(
        RowFactory.create(ok, 0.0), RowFactory.create(ok, 1.5))));
    assertTrue(fraction.getMessage().startsWith("Column label must hold class ids") && fraction.getMessage().endsWith("1.5"),
        fraction.getMessage());
    IllegalArgumentException ragged = fitFails(new MagnetEstimator(), arrays(List.of(
        RowFactory.create(ok, 0.0), RowFactory.create(List.of(1f, 2f, 3f), 1.0))));
    assertEquals("Column features must hold features of one size; sizes range from 2 to 3", ragged.getMessage());
    IllegalArgumentException nan = fitFails(new MagnetEstimator(), arrays(List.of(
        RowFactory.create(ok, 0.0), RowFactory.create(List.of(1f, Float.NaN), 1.0))));
    assertTrue(nan.getMessage().startsWith("Column features must hold finite values; 1 rows"), nan.getMessage());
    IllegalArgumentException shape = fitFails(new MagnetEstimator().setInputShape(new int[] {3}), arrays(List.of(
        RowFactory.create(ok, 0.0), RowFactory.create(ok, 1.0))));
    assertTrue(shape.getMessage().contains("do not fit inputShape"), shape.getMessage());
  }

  @Test
  void theModelEmbedsAndClassifiesAsTheCoreModelDoes() {
    ModelArtifact tiny = TestModels.tiny();
    float[][] inputs = TestModels.input().toFloatMatrix();
    List<Row> rows = List.of(RowFactory.create(0L, inputs[0]), RowFactory.create(1L, inputs[1]));
    StructType schema = new StructType().add("id", DataTypes.LongType)
        .add("features", DataTypes.createArrayType(DataTypes.FloatType));
    Dataset<Row> frame = spark.createDataFrame(rows.stream().map(r -> RowFactory.create(r.get(0),
        toList((float[]) r.get(1)))).toList(), schema);
    MagnetModel model = new MagnetModel("tiny", tiny).setNearestClusters(3);
    List<Row> scored = model.transform(frame).orderBy("id").collectAsList();
    INDArray embeddings = tiny.embed(TestModels.input());
    ClusterIndex index = tiny.index();
    double[][] expected = new ClusterClassifier(index.centroidMatrix(), index.clusterClasses(), 2, index.sigma2(), 3)
        .predictProba(embeddings);
    int[] nearest = new ClusterClassifier(index.centroidMatrix(), index.clusterClasses(), 2, index.sigma2(), 3)
        .nearestCluster(embeddings);
    for (int i = 0; i < 2; i++) {
      Row row = scored.get(i);
      double[] embedding = ((Vector) row.getAs("embedding")).toArray();
      for (int j = 0; j < embedding.length; j++) {
        assertEquals(embeddings.getDouble(i, j), embedding[j], 1e-6);
      }
      double[] probability = ((Vector) row.getAs("probability")).toArray();
      assertEquals(expected[i][0], probability[0], 1e-9);
      assertEquals(expected[i][1], probability[1], 1e-9);
      assertEquals(expected[i][1] > expected[i][0] ? 1.0 : 0.0, (double) row.getAs("prediction"));
      assertEquals(nearest[i], (int) row.getAs("cluster"));
    }
    // array<double> features give the same embeddings.
    Dataset<Row> doubles = frame.withColumn("features", col("features").cast("array<double>"));
    List<Row> fromDoubles = model.transform(doubles).orderBy("id").collectAsList();
    for (int i = 0; i < 2; i++) {
      assertEquals((Object) scored.get(i).getAs("embedding"), fromDoubles.get(i).getAs("embedding"));
    }
    // The model checks its features column before any job too.
    StructType text = new StructType().add("features", DataTypes.StringType);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.transform(noJobAllowed(text)));
    assertTrue(e.getMessage().startsWith("Column features must be of type vector"), e.getMessage());
  }

  @Test
  void evaluatorScoresLeaveOneOutOnVectorsOrArrays() throws Exception {
    // Two tight pairs of classes 0 and 1, and a lone point of class 2 (no other row of its class).
    double[][] points = {{0, 0}, {0.1, 0}, {1, 0}, {1.1, 0}, {5, 0}};
    double[] labels = {0, 0, 1, 1, 2};
    List<Row> rows = new java.util.ArrayList<>();
    for (int i = 0; i < points.length; i++) {
      rows.add(RowFactory.create(org.apache.spark.ml.linalg.Vectors.dense(points[i]), labels[i],
          toList(new float[] {(float) points[i][0], (float) points[i][1]})));
    }
    Dataset<Row> frame = spark.createDataFrame(rows, new StructType().add("embedding", SQLDataTypes.VectorType())
        .add("label", DataTypes.DoubleType).add("floats", DataTypes.createArrayType(DataTypes.FloatType)));
    MagnetEvaluator evaluator = new MagnetEvaluator();
    assertTrue(evaluator.isLargerBetter());
    assertEquals(1.0, evaluator.evaluate(frame), "P@1 leaves the lone point out");
    assertEquals(1.0, evaluator.setMetricName("mapAtR").evaluate(frame));
    assertEquals(0.8, evaluator.setMetricName("knnAccuracy").evaluate(frame), 1e-12, "the lone point counts as wrong");
    assertEquals(0.8, evaluator.setEmbeddingCol("floats").evaluate(frame), 1e-12, "array<float> embeddings too");
    String path = tmp.resolve("evaluator").toString();
    evaluator.write().overwrite().save(path);
    MagnetEvaluator loaded = MagnetEvaluator.load(path);
    assertEquals("knnAccuracy", loaded.getMetricName());
    assertEquals("floats", loaded.getEmbeddingCol());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new MagnetEvaluator().setLabelCol("floats").evaluate(frame));
    assertEquals("Column floats must be of type integer but was actually array<float>.", e.getMessage());
  }

  private static List<Float> toList(float[] values) {
    List<Float> list = new java.util.ArrayList<>();
    for (float v : values) {
      list.add(v);
    }
    return list;
  }
}
