package dev.magnet.spark.ml;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.eval.ClusterClassifier;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.spark.executor.BatchEmbedder;
import dev.magnet.spark.executor.ExecutorModel;
import dev.magnet.spark.executor.NetworkSnapshot;
import dev.magnet.spark.io.HadoopModelDirectory;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * A fitted Magnet model as a Spark ML {@code Model}: {@link #transform} adds the embedding (an ML
 * {@code Vector}, so that Spark's own stages — KMeans, LSH, PCA — can take it), the class the
 * paper's L-nearest-cluster rule predicts (a double, as Spark's classifiers give it), the class
 * probabilities (a {@code Vector} over the classes) and the nearest cluster of the index (an int,
 * a row of {@link #clusterCenters()}). An empty output column name leaves that column out. Images
 * (Spark's image structs, or the bytes of encoded files) are made inputs with the model's
 * preprocessing, as {@code embed} and {@code evaluate} make its files.
 *
 * <p>Rows are embedded per partition in batches of the network's own size ({@link NetworkFactory#embedBatchSize}) by the
 * one batch routine ({@link BatchEmbedder}): the network, the centroids and σ² are broadcast once
 * per {@code transform} ({@link ExecutorModel}), and each executor JVM restores the network once. (The broadcast lives as long as the returned DataFrame may be recomputed; Spark's
 * context cleaner removes it once unreferenced, as for MLlib's own models.)
 *
 * <p>Persistence: {@code write().save(path)} writes Spark's {@code metadata} (the params) and the
 * core model directory ({@link ModelArtifact}, readable by {@code ./spark-submit evaluate}) under
 * {@code path/artifact}, on any Hadoop file system; {@link #load} reads and checks both.
 */
public final class MagnetModel extends Model<MagnetModel> implements MagnetStageParams, MLWritable {
  private static final long serialVersionUID = 1L;

  /** Sub-directory of a saved model holding the core model directory. */
  static final String ARTIFACT_DIRECTORY = "artifact";

  private final String uid;
  private final MagnetParamDefinitions definitions;
  private final ModelArtifact artifact;

  /** A model of a trained artifact; its params take their defaults until set or copied. */
  public MagnetModel(String uid, ModelArtifact artifact) {
    this.uid = Objects.requireNonNull(uid, "uid");
    this.artifact = Objects.requireNonNull(artifact, "artifact");
    this.definitions = new MagnetParamDefinitions(this);
    definitions.setDefaults(this);
  }

  @Override
  public String uid() {
    return uid;
  }

  @Override
  public MagnetParamDefinitions magnetParamDefinitions() {
    return definitions;
  }

  /** The core model: network, cluster index, label names, parameters and provenance. */
  public ModelArtifact artifact() {
    return artifact;
  }

  /** σ²: the pooled within-cluster variance of the training embeddings that the cluster rule uses. */
  public double sigma2() {
    return artifact.index().sigma2();
  }

  /** The name of every class id, in order (StringIndexer's labels when it made the label column). */
  public List<String> labelNames() {
    return artifact.labelNames();
  }

  /**
   * The cluster index as a DataFrame, one row per cluster: {@code class} (int, the class id),
   * {@code cluster} (int, as in the cluster column of {@link #transform}) and {@code centroid}
   * (an ML {@code Vector} in embedding space).
   */
  public Dataset<Row> clusterCenters() {
    ClusterIndex index = artifact.index();
    List<Row> rows = new ArrayList<>(index.numClusters());
    for (int j = 0; j < index.numClusters(); j++) {
      rows.add(RowFactory.create(index.clusterClass(j), j, Vectors.dense(index.centroid(j))));
    }
    StructType schema = new StructType()
        .add("class", DataTypes.IntegerType, false)
        .add("cluster", DataTypes.IntegerType, false)
        .add("centroid", SQLDataTypes.VectorType(), false);
    return SparkSession.active().createDataFrame(rows, schema);
  }

  /** Checks the features column against the network's input and adds the output columns. */
  @Override
  public StructType transformSchema(StructType schema) {
    FeatureColumn.of(schema, getFeaturesCol()).shaped(artifact.networkSpec().input(), artifact.preprocessing());
    return MlSchemas.withOutputs(schema, this);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema(), true);
    FeatureColumn features = FeatureColumn.of(dataset.schema(), getFeaturesCol()).shaped(artifact.networkSpec().input(),
        artifact.preprocessing());
    ClusterIndex index = artifact.index();
    // Not destroyed: the frame returned is lazy and reads it whenever it is computed; Spark's cleaner
    // drops it with the frame.
    Broadcast<ExecutorModel> model = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext()).broadcast(
        ExecutorModel.classifying(new NetworkSnapshot(artifact.network(), 0), artifact.networkSpec().input(), index,
            index.numClasses(), getNearestClusters()));
    Outputs outputs = new Outputs(dataset.schema().fieldIndex(getFeaturesCol()), !getEmbeddingCol().isEmpty(),
        !getPredictionCol().isEmpty(), !getProbabilityCol().isEmpty(), !getClusterCol().isEmpty());
    MapPartitionsFunction<Row, Row> score = rows -> scorePartition(model.value(), features, outputs, rows);
    return dataset.toDF().mapPartitions(score, Encoders.row(out));
  }

  /** Where the features are and which outputs to add. */
  private record Outputs(int featuresIndex, boolean embedding, boolean prediction, boolean probability,
      boolean cluster) implements Serializable {}

  /** A partition's rows with the outputs added, embedded and classified by the one batch routine. */
  private static Iterator<Row> scorePartition(ExecutorModel model, FeatureColumn features, Outputs outputs,
      Iterator<Row> rows) {
    List<Row> out = new ArrayList<>();
    BatchEmbedder.Features<Row> values = BatchEmbedder.Features.floats(row -> {
      if (row.isNullAt(outputs.featuresIndex())) {
        throw new IllegalArgumentException("Column " + features.name() + " must not be null; a row holds null");
      }
      return features.values(row.get(outputs.featuresIndex()));
    });
    try (BatchEmbedder<Row> embedder = BatchEmbedder.direct(model.local(), rows, values)) {
      while (embedder.hasNext()) {
        BatchEmbedder.Batch<Row> batch = embedder.next();
        float[][] embeddings = batch.rows();
        ClusterClassifier.Classified classified = batch.classified();
        for (int i = 0; i < batch.items().size(); i++) {
          int r = batch.row(i);
          out.add(extend(batch.items().get(i), outputs, embeddings[r], classified.probabilities()[r],
              classified.predicted()[r], classified.nearestCluster()[r]));
        }
      }
    }
    return out.iterator();
  }

  private static Row extend(Row row, Outputs outputs, float[] embedding, double[] probability, int predicted,
      int cluster) {
    List<Object> values = new ArrayList<>(row.length() + 4);
    for (int i = 0; i < row.length(); i++) {
      values.add(row.get(i));
    }
    if (outputs.embedding()) {
      double[] vector = new double[embedding.length];
      for (int e = 0; e < vector.length; e++) {
        vector[e] = embedding[e];
      }
      values.add(Vectors.dense(vector));
    }
    if (outputs.prediction()) {
      values.add((double) predicted);
    }
    if (outputs.probability()) {
      values.add(Vectors.dense(probability));
    }
    if (outputs.cluster()) {
      values.add(cluster);
    }
    return RowFactory.create(values.toArray());
  }

  @Override
  public MagnetModel copy(ParamMap extra) {
    MagnetModel copied = copyValues(new MagnetModel(uid, artifact), extra);
    if (hasParent()) {
      copied.setParent(parent());
    }
    return copied;
  }

  public MagnetModel setFeaturesCol(String value) {
    return (MagnetModel) set(featuresCol(), value);
  }

  public MagnetModel setEmbeddingCol(String value) {
    return (MagnetModel) set(embeddingCol(), value);
  }

  public MagnetModel setPredictionCol(String value) {
    return (MagnetModel) set(predictionCol(), value);
  }

  public MagnetModel setProbabilityCol(String value) {
    return (MagnetModel) set(probabilityCol(), value);
  }

  public MagnetModel setClusterCol(String value) {
    return (MagnetModel) set(clusterCol(), value);
  }

  /** L, the clusters that vote in the rule; the other hyper-parameters describe the training and stay fixed. */
  public MagnetModel setNearestClusters(int value) {
    return (MagnetModel) set(nearestClusters(), value);
  }

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Spark's reader of saved models; {@code PipelineModel} persistence finds it by reflection. */
  public static MLReader<MagnetModel> read() {
    return new Reader();
  }

  public static MagnetModel load(String path) {
    return read().load(path);
  }

  private static final class Writer extends MLWriter {
    private final MagnetModel model;

    Writer(MagnetModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
      try {
        HadoopModelDirectory.save(model.artifact, new Path(path, ARTIFACT_DIRECTORY).toString(),
            sc().hadoopConfiguration(), false);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot save the Magnet model to " + path + ": " + e.getMessage(), e);
      }
    }
  }

  private static final class Reader extends MLReader<MagnetModel> {
    @Override
    public MagnetModel load(String path) {
      DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(), MagnetModel.class.getName());
      ModelArtifact artifact;
      try {
        artifact = HadoopModelDirectory.load(new Path(path, ARTIFACT_DIRECTORY).toString(), sc().hadoopConfiguration());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot load the Magnet model in " + path + ": " + e.getMessage(), e);
      }
      MagnetModel model = new MagnetModel(metadata.uid(), artifact);
      metadata.getAndSetParams(model, Option.empty());
      return model;
    }
  }
}
