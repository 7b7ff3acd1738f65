package dev.magnet.spark.ml;

import static org.apache.spark.ml.functions.vector_to_array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.spark.SparkTestSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML face on local[2]: fit and transform on synthetic vectors, persistence of every
 * stage, a Pipeline with Spark's own stages, and CrossValidator. One estimator is fitted once on
 * 3 classes x 2 hidden sub-classes x 24 vectors of 8 dimensions (2 epochs) and shared.
 */
class MagnetEstimatorTest {
  @SparkTestSession.PerClass
  private static SparkSession spark;
  private static Dataset<Row> train;
  private static Dataset<Row> test;
  private static MagnetEstimator estimator;
  private static MagnetModel model;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void fitOnce() {
    LabelledDataset data = SyntheticData.vectors(3, 2, 24, 8, 4.0, 1.0, 11);
    train = vectorFrame(data, 0, data.size() / 2);
    test = vectorFrame(data, data.size() / 2, data.size());
    estimator = smallMlp(new MagnetEstimator());
    model = estimator.fit(train);
  }

  /** The tiny network and neighbourhoods every test fits with: seconds, not minutes. */
  static MagnetEstimator smallMlp(MagnetEstimator e) {
    return e.setNetwork("mlp").setHiddenSizes(new int[] {32}).setEmbeddingDim(8).setLearningRate(3e-3)
        .setClustersPerClass(2).setClustersPerBatch(3).setExamplesPerCluster(4).setEpochs(2).setSeed(5)
        .setAveragingFrequency(2);
  }

  /** Rows [from, to) as (id long, features vector, label int, fine int). */
  static Dataset<Row> vectorFrame(LabelledDataset data, int from, int to) {
    float[][] rows = data.features().toFloatMatrix();
    List<Row> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      double[] values = new double[rows[i].length];
      for (int j = 0; j < values.length; j++) {
        values[j] = rows[i][j];
      }
      out.add(RowFactory.create((long) i, Vectors.dense(values), data.labels()[i], data.fineLabels()[i]));
    }
    StructType schema = new StructType().add("id", DataTypes.LongType).add("features", SQLDataTypes.VectorType())
        .add("label", DataTypes.IntegerType).add("fine", DataTypes.IntegerType);
    return spark.createDataFrame(out, schema).repartition(2);
  }

  /** Collected rows ordered by id, for comparing two transforms. */
  static List<Row> byId(Dataset<Row> frame) {
    return frame.orderBy("id").collectAsList();
  }

  @Test
  void fitsAndTransformsVectors() {
    Dataset<Row> scored = model.transform(test);
    StructType schema = scored.schema();
    assertEquals(SQLDataTypes.VectorType(), schema.apply("embedding").dataType());
    assertEquals(DataTypes.DoubleType, schema.apply("prediction").dataType());
    assertEquals(SQLDataTypes.VectorType(), schema.apply("probability").dataType());
    assertEquals(DataTypes.IntegerType, schema.apply("cluster").dataType());
    List<Row> rows = byId(scored);
    assertEquals(test.count(), rows.size());
    int clusters = model.artifact().index().numClusters();
    int correct = 0;
    for (Row row : rows) {
      Vector embedding = row.getAs("embedding");
      Vector probability = row.getAs("probability");
      double prediction = row.getAs("prediction");
      int cluster = row.getAs("cluster");
      assertEquals(8, embedding.size());
      assertEquals(3, probability.size());
      assertEquals(1.0, probability.toArray()[0] + probability.toArray()[1] + probability.toArray()[2], 1e-9);
      assertEquals(probability.argmax(), (int) prediction);
      assertTrue(cluster >= 0 && cluster < clusters, "cluster " + cluster);
      correct += (int) prediction == (int) row.getAs("label") ? 1 : 0;
    }
    double accuracy = (double) correct / rows.size();
    assertTrue(accuracy > 0.7, "held-out accuracy of the cluster rule " + accuracy + " (chance 0.33)");
    // The model carries the estimator's params and knows where it came from.
    assertEquals(2, model.getClustersPerClass());
    assertEquals("mlp", model.getNetwork());
    assertEquals(estimator, model.parent());
    assertEquals(List.of("0", "1", "2"), model.labelNames());
  }

  @Test
  void exposesTheClusterIndexAndSigma2() {
    List<Row> centres = model.clusterCenters().orderBy("cluster").collectAsList();
    var index = model.artifact().index();
    assertEquals(index.numClusters(), centres.size());
    for (Row row : centres) {
      int cluster = row.getInt(1);
      assertEquals(index.clusterClass(cluster), row.getInt(0));
      assertArrayEquals(index.centroid(cluster), ((Vector) row.get(2)).toArray());
    }
    assertEquals(index.sigma2(), model.sigma2());
    assertTrue(model.sigma2() > 0);
  }

  @Test
  void outputColumnsCanBeRenamedOrLeftOut() {
    MagnetModel copy = model.copy(ParamMap.empty()).setEmbeddingCol("").setPredictionCol("magnet")
        .setProbabilityCol("").setClusterCol("");
    Dataset<Row> scored = copy.transform(test);
    assertEquals(List.of("id", "features", "label", "fine", "magnet"), List.of(scored.columns()));
    List<Row> original = byId(model.transform(test));
    List<Row> renamed = byId(scored);
    for (int i = 0; i < original.size(); i++) {
      assertEquals((double) original.get(i).getAs("prediction"), (double) renamed.get(i).getAs("magnet"));
    }
  }

  @Test
  void modelSavesAndLoadsWithIdenticalTransform() throws Exception {
    String path = tmp.resolve("model").toString();
    MagnetModel loaded = saveAndLoad(model, path, MagnetModel::load);
    assertEquals(byId(model.transform(test)), byId(loaded.transform(test)));
    assertThrows(java.io.IOException.class, () -> model.write().save(path), "refuses to overwrite unless asked");
    model.write().overwrite().save(path);
    assertEquals(byId(model.transform(test)), byId(MagnetModel.load(path).transform(test)));
  }

  @Test
  void estimatorSavesAndLoadsAndRefitsToAnIdenticalModel() throws Exception {
    MagnetEstimator loaded = saveAndLoad(estimator, tmp.resolve("estimator").toString(), MagnetEstimator::load);
    assertArrayEquals(new int[] {32}, loaded.getHiddenSizes());
    // Seeded training on the same partitions: the refitted model transforms identically.
    assertEquals(byId(model.transform(test)), byId(loaded.fit(train).transform(test)));
  }

  @Test
  void pipelineWithSparkStagesSavesAndLoadsAsPipelineModel() throws Exception {
    // Class names as strings and features as separate columns: Spark's stages make Magnet's input.
    String[] names = {"ant", "bee", "cat"};
    Dataset<Row> raw = train.select(col("id"), col("label"), vector_to_array(col("features"), "float64").as("x")).selectExpr(
        "id", "element_at(array('ant', 'bee', 'cat'), label + 1) AS species",
        "x[0] AS x0", "x[1] AS x1", "x[2] AS x2", "x[3] AS x3", "x[4] AS x4", "x[5] AS x5", "x[6] AS x6", "x[7] AS x7");
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new StringIndexer().setInputCol("species").setOutputCol("label").setStringOrderType("alphabetAsc"),
        new VectorAssembler().setInputCols(new String[] {"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"})
            .setOutputCol("features"),
        smallMlp(new MagnetEstimator()).setEpochs(1)});
    PipelineModel fitted = pipeline.fit(raw);
    MagnetModel magnet = (MagnetModel) fitted.stages()[2];
    assertEquals(List.of(names), magnet.labelNames(), "label names from StringIndexer's metadata");
    String path = tmp.resolve("pipeline").toString();
    fitted.write().save(path);
    PipelineModel loaded = PipelineModel.load(path);
    assertEquals(MagnetModel.class, loaded.stages()[2].getClass());
    List<Row> expected = byId(fitted.transform(raw));
    assertEquals(expected, byId(loaded.transform(raw)));
    assertEquals(raw.count(), expected.size());
  }

  @Test
  void crossValidatorPicksAKAndTheBestModelTransforms() throws Exception {
    MagnetEstimator magnet = smallMlp(new MagnetEstimator()).setEpochs(1);
    ParamMap[] grid = new ParamGridBuilder().addGrid(magnet.clustersPerClass(), new int[] {1, 2}).build();
    CrossValidator cv = new CrossValidator().setEstimator(magnet).setEstimatorParamMaps(grid)
        .setEvaluator(new MagnetEvaluator().setMetricName("precisionAtOne")).setNumFolds(2).setSeed(3);
    CrossValidatorModel fitted = cv.fit(train);
    double[] metrics = fitted.avgMetrics();
    assertEquals(2, metrics.length);
    for (double m : metrics) {
      assertTrue(m >= 0 && m <= 1, "P@1 " + m);
    }
    MagnetModel best = (MagnetModel) fitted.bestModel();
    int chosen = metrics[1] > metrics[0] ? 2 : 1;
    assertEquals(chosen, best.getClustersPerClass());
    assertTrue(best.artifact().index().numClusters() <= 3 * chosen);
    Dataset<Row> scored = best.transform(test);
    assertEquals(test.count(), scored.count());
    double p1 = new MagnetEvaluator().evaluate(scored);
    assertTrue(p1 > 0.5, "the chosen model's held-out P@1 " + p1);
    // The whole CrossValidatorModel persists: estimator, evaluator and best model by their readers.
    String path = tmp.resolve("cv").toString();
    fitted.write().save(path);
    CrossValidatorModel loaded = CrossValidatorModel.load(path);
    assertEquals(byId(scored), byId(loaded.bestModel().transform(test)));
    assertEquals(MagnetEvaluator.class, loaded.getEvaluator().getClass());
  }

  @Test
  void readmeExampleRuns() throws Exception {
    String trainPath = tmp.resolve("readme-train.parquet").toString();
    String testPath = tmp.resolve("readme-test.parquet").toString();
    for (var split : List.of(List.of(train, trainPath), List.of(test, testPath))) {
      ((Dataset<?>) split.get(0)).select(vector_to_array(col("features"), "float32").as("features"),
          expr("element_at(array('ant', 'bee', 'cat'), label + 1)").as("species")).write().parquet((String) split.get(1));
    }
    double p1 = ReadmeExample.run(spark, trainPath, testPath, tmp.resolve("readme-model").toString());
    assertTrue(p1 > 0.5, "P@1 of the README example " + p1);
  }

  /** Every defined param as "set|default: JSON value", by name: what persistence must keep. */
  @SuppressWarnings("unchecked")
  /** Saves {@code stage} to {@code path} and loads it back: the same uid and the same param values. */
  private static <T extends Params & MLWritable> T saveAndLoad(T stage, String path, Function<String, T> load)
      throws IOException {
    stage.write().save(path);
    T loaded = load.apply(path);
    assertEquals(stage.uid(), loaded.uid());
    assertEquals(paramValues(stage), paramValues(loaded));
    return loaded;
  }

  static Map<String, String> paramValues(Params stage) {
    Map<String, String> values = new TreeMap<>();
    for (Param<?> param : stage.params()) {
      if (stage.isDefined(param)) {
        values.put(param.name(), (stage.isSet(param) ? "set: " : "default: ")
            + ((Param<Object>) param).jsonEncode(stage.getOrDefault(param)));
      }
    }
    return values;
  }
}
