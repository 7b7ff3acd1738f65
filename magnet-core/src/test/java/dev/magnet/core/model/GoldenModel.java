package dev.magnet.core.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes the golden model of the current format version, with the embeddings it must give,
 * into src/test/resources/golden/model-v{FORMAT_VERSION}: from version 2 an image model with its
 * preprocessing ({@link ModelArtifactTest#tinyImageModel}). Run once per format version:
 * {@code java ... dev.magnet.core.model.GoldenModel magnet-core/src/test/resources/golden}; the
 * old golden directories stay, so every earlier format keeps being loaded by the tests.
 */
final class GoldenModel {
  private static final String EXPECTED = "expected-embeddings.txt";

  private GoldenModel() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]).resolve("model-v" + ModelArtifact.FORMAT_VERSION);
    ModelArtifact model = ModelArtifactTest.tinyImageModel();
    model.save(dir, false);
    INDArray embeddings = model.embed(ModelArtifactTest.fixedImages()).castTo(DataType.FLOAT);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < embeddings.rows(); i++) {
      for (float v : embeddings.getRow(i).toFloatVector()) {
        text.append(Float.toString(v)).append(' ');
      }
      text.append('\n');
    }
    Files.writeString(dir.getParent().resolve(dir.getFileName() + "-" + EXPECTED), text.toString());
  }

  static float[][] expectedEmbeddings(Path goldenDir) throws IOException {
    return Files.readAllLines(goldenDir.getParent().resolve(goldenDir.getFileName() + "-" + EXPECTED)).stream()
        .filter(line -> !line.isBlank())
        .map(line -> {
          String[] parts = line.trim().split(" ");
          float[] row = new float[parts.length];
          for (int i = 0; i < parts.length; i++) {
            row[i] = Float.parseFloat(parts[i]);
          }
          return row;
        })
        .toArray(float[][]::new);
  }
}
