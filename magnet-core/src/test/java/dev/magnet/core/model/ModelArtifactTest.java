package dev.magnet.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.loss.MagnetLoss;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.nn.Head;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.core.nn.NetworkSpec;
import dev.magnet.core.params.MagnetParams;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ModelArtifactTest {
  @TempDir Path tmp;

  /** A tiny model: MLP 4 → 8 → embedding 3, an index of 2 classes × 2 clusters. */
  static ModelArtifact tinyModel() {
    NetworkSpec spec = NetworkSpec.of(Architecture.MLP, InputShape.vector(4)).withEmbeddingDim(3)
        .withHiddenSizes(List.of(8)).withSeed(5);
    MultiLayerNetwork net = NetworkFactory.build(spec, Head.embedding(new MagnetLoss(0.5)));
    ClusterIndex index = ClusterIndex.of(2, new double[][] {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
        new int[] {0, 0, 1, 1}, new long[] {3, 2, 4, 1}, 0.25, null).withLosses(new double[] {0.5, 0, 1.5, 2});
    Provenance provenance = new Provenance("2026-11-28T00:00:00Z", "golden tiny model", 10, 1, "test",
        "17", "Linux amd64", "CpuBackend");
    return new ModelArtifact(net, index, List.of("cat", "dog"), MagnetParams.defaults().withAlpha(0.5), spec, provenance);
  }

  /**
   * A tiny image model: fmnist-cnn on 1x10x10 (10 -> 8 -> 4 -> 2 -> 1), embedding 3, trained with
   * crop-flip augmentation; the index of {@link #tinyModel}.
   */
  static ModelArtifact tinyImageModel() {
    ModelArtifact vectors = tinyModel();
    NetworkSpec spec = NetworkSpec.of(Architecture.FMNIST_CNN, InputShape.image(1, 10, 10)).withEmbeddingDim(3)
        .withHiddenSizes(List.of(8)).withSeed(5);
    MultiLayerNetwork net = NetworkFactory.build(spec, Head.embedding(new MagnetLoss(0.5)));
    return new ModelArtifact(net, vectors.index(), vectors.labelNames(), vectors.params(), spec,
        ImagePreprocessing.of(1, 10, 10).withAugmentation(ImagePreprocessing.Augmentation.CROP_FLIP),
        vectors.provenance());
  }

  /** Two 1x10x10 images in [0, 1]. */
  static INDArray fixedImages() {
    float[][] rows = new float[2][100];
    for (int i = 0; i < 100; i++) {
      rows[0][i] = (i % 10) / 10f;
      rows[1][i] = ((i * 7) % 13) / 13f;
    }
    return Nd4j.create(rows);
  }

  static INDArray fixedInput() {
    return Nd4j.create(new float[][] {{0.1f, 0.2f, 0.3f, 0.4f}, {1, -1, 0.5f, 0}});
  }

  @Test
  void roundTripKeepsNetworkIndexLabelsAndParams() throws IOException {
    ModelArtifact model = tinyModel();
    Path dir = tmp.resolve("model");
    model.save(dir, false);
    assertTrue(Files.exists(dir.resolve("metadata.json")));
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count(), "no staging directory is left behind");
    }
    ModelArtifact loaded = ModelArtifact.load(dir);
    assertEquals(model.embed(fixedInput()), loaded.embed(fixedInput()));
    assertEquals(List.of("cat", "dog"), loaded.labelNames());
    assertEquals(model.params(), loaded.params());
    assertEquals(model.networkSpec(), loaded.networkSpec());
    assertEquals(model.provenance(), loaded.provenance());
    assertEquals(0.25, loaded.index().sigma2());
    for (int j = 0; j < 4; j++) {
      assertArrayEquals(model.index().centroid(j), loaded.index().centroid(j));
      assertEquals(model.index().clusterLoss(j), loaded.index().clusterLoss(j));
      assertEquals(model.index().clusterSize(j), loaded.index().clusterSize(j));
    }
    String metadata = Files.readString(dir.resolve("metadata.json"));
    assertTrue(metadata.contains("\"formatVersion\" : " + ModelArtifact.FORMAT_VERSION), metadata);
    assertNull(loaded.preprocessing(), "a model of vectors has no image preprocessing");
    assertTrue(metadata.contains("\"magnetVersion\""), metadata);
  }

  @Test
  void anImageModelKeepsItsPreprocessingAndAVersion1ImageModelLoadsWithTheImpliedOne() throws IOException {
    ModelArtifact model = tinyImageModel();
    Path dir = tmp.resolve("image-model");
    model.save(dir, false);
    ModelArtifact loaded = ModelArtifact.load(dir);
    assertEquals(model.preprocessing(), loaded.preprocessing());
    assertEquals(ImagePreprocessing.Augmentation.CROP_FLIP, loaded.preprocessing().augmentation());
    assertEquals(model.embed(fixedImages()), loaded.embed(fixedImages()));

    // As a version-1 directory wrote it: no preprocessing recorded (the digests cover the other files only).
    Path metadata = dir.resolve("metadata.json");
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode node = (com.fasterxml.jackson.databind.node.ObjectNode)
        json.readTree(metadata.toFile());
    node.remove("preprocessing");
    node.put("formatVersion", 1);
    json.writeValue(metadata.toFile(), node);
    ModelArtifact old = ModelArtifact.load(dir);
    assertEquals(ImagePreprocessing.of(1, 10, 10), old.preprocessing(), "what embed always applied to such a model");
  }

  @Test
  void aPreprocessingThatDoesNotGiveTheNetworksInputIsRefused() {
    ModelArtifact model = tinyImageModel();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelArtifact(model.network(),
        model.index(), model.labelNames(), model.params(), model.networkSpec(), ImagePreprocessing.of(3, 10, 10),
        model.provenance()));
    assertEquals("the preprocessing must give the network's input; preprocessing=" + InputShape.image(3, 10, 10)
        + " network=" + InputShape.image(1, 10, 10), e.getMessage());
  }

  @Test
  void refusesToOverwriteUnlessAskedAndThenOnlyAMagnetModel() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("model"));
    Files.writeString(dir.resolve("keep.txt"), "precious");
    FileAlreadyExistsException refused = assertThrows(FileAlreadyExistsException.class,
        () -> tinyModel().save(dir, false));
    assertTrue(refused.getMessage().contains("pass overwrite"), refused.getMessage());
    FileAlreadyExistsException foreign = assertThrows(FileAlreadyExistsException.class,
        () -> tinyModel().save(dir, true));
    assertEquals(dir + ": " + OutputMarker.NOT_MAGNET_OUTPUT, foreign.getMessage());
    assertEquals("precious", Files.readString(dir.resolve("keep.txt")));
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count(), "nothing was staged");
    }

    Path model = tmp.resolve("magnet-model");
    tinyModel().save(model, false);
    Files.writeString(model.resolve("keep.txt"), "a file inside a model directory goes with it");
    tinyModel().save(model, true);
    assertFalse(Files.exists(model.resolve("keep.txt")));
    assertEquals(List.of("cat", "dog"), ModelArtifact.load(model).labelNames());
  }

  @Test
  void refusesANewerFormatVersion() throws IOException {
    Path dir = tmp.resolve("model");
    tinyModel().save(dir, false);
    Path metadata = dir.resolve("metadata.json");
    int newer = ModelArtifact.FORMAT_VERSION + 1;
    Files.writeString(metadata, Files.readString(metadata).replace("\"formatVersion\" : " + ModelArtifact.FORMAT_VERSION,
        "\"formatVersion\" : " + newer));
    IOException error = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertTrue(error.getMessage().contains("model format version " + newer), error.getMessage());
    assertTrue(error.getMessage().contains("upgrade Magnet"), error.getMessage());
  }

  @Test
  void truncatedOrMissingFilesGiveErrorsNamingTheFile() throws IOException {
    Path dir = tmp.resolve("model");
    tinyModel().save(dir, false);
    truncate(dir.resolve("index.bin"), 30);
    IOException index = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertTrue(index.getMessage().startsWith(dir + "/index.bin is corrupt: its SHA-256 is "), index.getMessage());
    assertTrue(index.getMessage().contains(" (30 bytes), metadata.json records "), index.getMessage());

    tinyModel().save(dir, true);
    truncate(dir.resolve("network.zip"), 100);
    IOException network = assertThrows(IOException.class, () -> ModelArtifact.load(dir));
    assertTrue(network.getMessage().startsWith(dir + "/network.zip is corrupt: its SHA-256 is "), network.getMessage());

    Files.delete(dir.resolve("metadata.json"));
    FileNotFoundException missing = assertThrows(FileNotFoundException.class, () -> ModelArtifact.load(dir));
    assertTrue(missing.getMessage().contains("metadata.json"), missing.getMessage());
  }

  @Test
  void rejectsInconsistentShapes() {
    ModelArtifact model = tinyModel();
    IllegalArgumentException labels = assertThrows(IllegalArgumentException.class, () -> new ModelArtifact(
        model.network(), model.index(), List.of("a", "b", "c"), model.params(), model.networkSpec(), model.provenance()));
    assertEquals("label names and index classes differ: 3!=2", labels.getMessage());
    ClusterIndex wide = ClusterIndex.of(2, new double[][] {{0, 0}, {1, 1}}, new int[] {0, 1}, new long[] {1, 1}, 1, null);
    IllegalArgumentException dims = assertThrows(IllegalArgumentException.class, () -> new ModelArtifact(
        model.network(), wide, List.of("a", "b"), model.params(), model.networkSpec(), model.provenance()));
    assertEquals("embedding dimensions differ: 3!=2", dims.getMessage());
  }

  @Test
  void loadsTheGoldenModelOfFormatVersion2() throws Exception {
    Path golden = Path.of(getClass().getResource("/golden/model-v2/metadata.json").toURI()).getParent();
    ModelArtifact model = ModelArtifact.load(golden);
    assertEquals(ImagePreprocessing.of(1, 10, 10).withAugmentation(ImagePreprocessing.Augmentation.CROP_FLIP),
        model.preprocessing());
    float[][] expected = GoldenModel.expectedEmbeddings(golden);
    INDArray actual = model.embed(fixedImages()).castTo(DataType.FLOAT);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], actual.getRow(i).toFloatVector(), 1e-6f);
    }
  }

  private static void truncate(Path file, long length) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(length);
    }
  }

  @Test
  void loadsTheGoldenModelOfFormatVersion1() throws Exception {
    Path golden = Path.of(getClass().getResource("/golden/model-v1/metadata.json").toURI()).getParent();
    ModelArtifact model = ModelArtifact.load(golden);
    assertEquals(List.of("cat", "dog"), model.labelNames());
    assertEquals(0.5, model.params().alpha());
    assertNull(model.preprocessing(), "an MLP of vectors");
    float[][] expected = GoldenModel.expectedEmbeddings(golden);
    INDArray actual = model.embed(fixedInput()).castTo(DataType.FLOAT);
    for (int i = 0; i < expected.length; i++) {
      assertArrayEquals(expected[i], actual.getRow(i).toFloatVector(), 1e-6f);
    }
  }
}
