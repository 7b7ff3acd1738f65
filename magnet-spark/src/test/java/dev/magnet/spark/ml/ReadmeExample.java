package dev.magnet.spark.ml;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The README's worked example, verbatim, so that it compiles and runs (MagnetEstimatorTest). */
final class ReadmeExample {
  private ReadmeExample() {}

  static double run(SparkSession spark, String trainPath, String testPath, String modelPath) throws Exception {
    Dataset<Row> train = spark.read().parquet(trainPath);  // features: vector or array<float>; species: string
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new StringIndexer().setInputCol("species").setOutputCol("label"),
        new MagnetEstimator().setClustersPerClass(4).setClustersPerBatch(6).setEpochs(3)});
    pipeline.fit(train).write().overwrite().save(modelPath);
    Dataset<Row> scored = PipelineModel.load(modelPath).transform(spark.read().parquet(testPath));
    scored.select("species", "prediction", "probability", "cluster", "embedding").show(3);
    return new MagnetEvaluator().setMetricName("precisionAtOne").evaluate(scored);  // or mapAtR, knnAccuracy
  }
}
