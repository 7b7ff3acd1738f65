package dev.magnet.core.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model written by an earlier Magnet (test resources {@code /compat/NAME.zip}, ModelSerializer
 * with its Adam state) and the embeddings it gave two inputs ({@code NAME.embeddings.txt}, a row
 * each): loaded now, it must embed the same and train on from its saved updater state.
 */
final class SavedModelFixture {
  private SavedModelFixture() {}

  /** The fixture's network, after the checks; {@code x} as written, labels for its 4 classes. */
  static MultiLayerNetwork assertLoadsEmbedsAlikeAndTrainsOn(String name, INDArray x) throws IOException {
    MultiLayerNetwork net;
    try (InputStream in = resource(name + ".zip")) {
      net = ModelSerializer.restoreMultiLayerNetwork(in, true);
    }
    String[] rows;
    try (InputStream in = resource(name + ".embeddings.txt")) {
      rows = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\n");
    }
    INDArray embedded = NetworkFactory.embed(net, x, 2);
    for (int i = 0; i < rows.length; i++) {
      String[] values = rows[i].split(" ");
      for (int j = 0; j < values.length; j++) {
        assertEquals(Float.parseFloat(values[j]), embedded.getFloat(i, j), 1e-5, name + " row " + i + " col " + j);
      }
    }
    INDArray y = Nd4j.zeros(DataType.FLOAT, 2, 4);
    y.putScalar(0, 1, 1);
    y.putScalar(1, 3, 1);
    double before = net.score(new DataSet(x, y));
    for (int i = 0; i < 20; i++) {
      net.fit(new DataSet(x, y));
    }
    assertTrue(net.score(new DataSet(x, y)) < before, name + ": training on from the saved Adam state");
    return net;
  }

  private static InputStream resource(String name) {
    InputStream in = SavedModelFixture.class.getResourceAsStream("/compat/" + name);
    if (in == null) {
      throw new IllegalStateException("test resource /compat/" + name + " is missing");
    }
    return in;
  }
}
