package dev.magnet.spark.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.IdxReader;
import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.data.TestImages;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.Architecture;
import dev.magnet.spark.SparkTestSession;
import dev.magnet.spark.data.DataSource;
import dev.magnet.spark.data.ImageSize;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.embed.EmbedJob;
import dev.magnet.spark.embed.EmbedRequest;
import dev.magnet.spark.executor.ExampleEmbeddings;
import dev.magnet.spark.io.HadoopModelDirectory;
import dev.magnet.spark.ml.MagnetModel;
import dev.magnet.spark.train.ImageOptions;
import dev.magnet.spark.train.TrainJob;
import dev.magnet.spark.train.TrainRequest;
import dev.magnet.spark.util.ExitCodes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The preprocessing is part of the model (docs/design.md, "Image files"): the same image file gives
 * the same embedding through {@code train}'s validation path, {@code evaluate}, {@code embed} and the
 * Spark ML model (its bytes as a binary column, and Spark's image source's struct), to float
 * tolerance. The files are of other sizes than the model's input, grey and colour, PNG, JPEG and
 * GIF, so each path must resize and convert exactly as training did.
 */
class ImagePreprocessingEqualityTest {
  private static final float TOLERANCE = 1e-5f;
  @SparkTestSession.PerClass
  private static SparkSession session;

  @TempDir
  static java.nio.file.Path tmp;

  /** Probe files: RGB PNG, JPEG and palette GIF of three sizes, and a grey PNG, in the model's class folders. */
  private static java.nio.file.Path probes() throws IOException {
    java.nio.file.Path root = tmp.resolve("probes");
    java.nio.file.Path a = Files.createDirectories(root.resolve("class-0"));
    java.nio.file.Path b = Files.createDirectories(root.resolve("class-1"));
    Files.write(a.resolve("wide.png"), TestImages.encode(TestImages.classImage(0, 1, 50, 31, true, 8), "png"));
    Files.write(a.resolve("photo.jpg"), TestImages.encode(TestImages.classImage(0, 2, 64, 48, true, 8), "jpeg"));
    Files.write(b.resolve("grey.png"), TestImages.encode(TestImages.classImage(1, 3, 30, 30, false, 8), "png"));
    BufferedImage palette = new BufferedImage(17, 23, BufferedImage.TYPE_BYTE_INDEXED);
    palette.getGraphics().drawImage(TestImages.classImage(1, 4, 17, 23, true, 8), 0, 0, null);
    Files.write(b.resolve("palette.gif"), TestImages.encode(palette, "gif"));
    return root;
  }

  @Test
  void theSameFileGivesTheSameEmbeddingThroughValidationEvaluateEmbedAndTheMlApi() throws Exception {
    java.nio.file.Path train = tmp.resolve("train");
    TestImages.writeClasses(train, 2, 12, 40, 36, true, "png", 7);
    java.nio.file.Path probes = probes();
    String model = tmp.resolve("model").toString();
    DataSource probeSource = DataSource.parse("images:" + probes);
    TrainRequest request = TrainRequest.of(DataSource.parse("images:" + train), model)
        .withData(DataSource.parse("images:" + train), probeSource)
        .withImages(ImageOptions.defaults().withSize(new ImageSize(24, 20)).withChannels(3))
        .withReport(false);
    request = request.withParams(request.params().withEpochs(1).withClusters(2, 2, 4))
        .withNetwork(request.network().withArchitecture(Architecture.FMNIST_CNN).withEmbeddingDim(8));
    StringWriter log = new StringWriter();
    assertEquals(ExitCodes.SUCCESS, new TrainJob(session, new PrintWriter(log), new PrintWriter(log)).run(request),
        log.toString());
    Configuration conf = session.sparkContext().hadoopConfiguration();
    ModelArtifact artifact = HadoopModelDirectory.load(model, conf);
    assertEquals(ImagePreprocessing.of(3, 24, 20), artifact.preprocessing());
    List<String> paths = paths(probes, conf);

    // train's validation path: the held-out folder loaded as the training data was, embedded by the
    // routine the trainer's validation collects with.
    SparkDataset held = probeSource.load(session, IdxReader.ALL, 1, artifact.labelNames(),
        request.images().heldOut(artifact.preprocessing(), probeSource)).dataset();
    ExampleEmbeddings.Collected collected = ExampleEmbeddings.collect(
        JavaSparkContext.fromSparkContext(session.sparkContext()), held.examples(), held.inputShape(),
        artifact.network());
    List<Long> heldIds = held.examples().map(e -> e.id()).collect();
    Map<String, float[]> validation = byPath(paths, heldIds, Matrices.toFloatRows(collected.embeddings()));

    // evaluate: its loading and its embedding of the test data.
    EvaluateRequest evaluate = new EvaluateRequest(model, probeSource, null, null, null, null, null, Map.of(),
        EvaluateRequest.DEFAULT_DRIVER_BUDGET, null);
    EvaluationJob job = new EvaluationJob(session, new PrintWriter(new StringWriter()));
    SparkDataset tested = job.load(evaluate, probeSource, IdxReader.ALL, artifact, conf);
    List<Long> testedIds = tested.examples().map(e -> e.id()).collect().stream().sorted().toList();
    Map<String, float[]> evaluated = byPath(paths, testedIds,
        Matrices.toFloatRows(job.embed(artifact, tested).embeddings().embeddings()));

    // embed: the Parquet table, by path.
    String table = tmp.resolve("embeddings").toString();
    EmbedRequest embedRequest = EmbedRequest.of(model, probeSource, table);
    assertEquals(ExitCodes.SUCCESS, new EmbedJob(session, new PrintWriter(log), new PrintWriter(log)).run(embedRequest));
    Map<String, float[]> embedded = new HashMap<>();
    for (Row row : session.read().parquet(table).select("path", "embedding").collectAsList()) {
      embedded.put(file(row.getString(0)), floats(row.getList(1)));
    }

    // The Spark ML model: the files' bytes (binaryFile's content), and Spark's image structs.
    MagnetModel ml = new MagnetModel("equality", artifact);
    Map<String, float[]> fromBytes = new HashMap<>();
    for (Row row : ml.setFeaturesCol("content").transform(session.read().format("binaryFile")
        .load(probes + "/*/*")).select("path", "embedding").collectAsList()) {
      fromBytes.put(file(row.getString(0)), toFloats(((Vector) row.get(1)).toArray()));
    }
    Map<String, float[]> fromStructs = new HashMap<>();
    for (Row row : ml.setFeaturesCol("image").transform(session.read().format("image").load(probes + "/*/*"))
        .select("image.origin", "embedding").collectAsList()) {
      fromStructs.put(file(row.getString(0)), toFloats(((Vector) row.get(1)).toArray()));
    }

    assertEquals(4, embedded.size());
    for (String path : paths.stream().map(ImagePreprocessingEqualityTest::file).toList()) {
      float[] expected = embedded.get(path);
      assertClose(expected, validation.get(path), "validation", path);
      assertClose(expected, evaluated.get(path), "evaluate", path);
      assertClose(expected, fromBytes.get(path), "ML model on the file's bytes", path);
      assertClose(expected, fromStructs.get(path), "ML model on Spark's image struct", path);
    }
  }

  /** The listed paths of the probe files, in listing order: file i has id i. */
  private static List<String> paths(java.nio.file.Path root, Configuration conf) throws IOException {
    ImageFiles files = ImageFiles.list(root.toString(), conf);
    return java.util.stream.IntStream.range(0, files.size()).mapToObj(files::path).toList();
  }

  /** A path as each route spells it (file:/x, file:///x), as the file it names. */
  private static String file(String path) {
    return new org.apache.hadoop.fs.Path(path).toUri().getPath();
  }

  private static Map<String, float[]> byPath(List<String> paths, List<Long> ids, float[][] rows) {
    assertEquals(ids.size(), rows.length);
    Map<String, float[]> out = new HashMap<>();
    for (int i = 0; i < rows.length; i++) {
      out.put(file(paths.get(Math.toIntExact(ids.get(i)))), rows[i]);
    }
    return out;
  }

  private static float[] floats(List<Object> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ((Number) values.get(i)).floatValue();
    }
    return out;
  }

  private static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  private static void assertClose(float[] expected, float[] actual, String route, String path) {
    assertTrue(actual != null, route + " gave no embedding of " + path);
    assertEquals(expected.length, actual.length, route + ": " + path);
    for (int j = 0; j < expected.length; j++) {
      assertEquals(expected[j], actual[j], TOLERANCE, route + " differs from embed at " + j + " for " + path);
    }
  }
}
