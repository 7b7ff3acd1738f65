package dev.magnet.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.nn.NetworkFactory;
import dev.magnet.spark.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class BatchEmbedderTest {
  /** Input i: a vector of 4 values, or none (declined) for every fifth. */
  private static float[] vector(int i) {
    return i % 5 == 3 ? null : new float[] {i, -i / 2f, 0.25f * i, 1};
  }

  @Test
  void itemsComeOutOnceInOrderDeclinedOnesWithoutARowAndRowsAreTheNetworksOutput() {
    ModelArtifact artifact = TestModels.tiny();
    ExecutorModel model = ExecutorModel.classifying(new NetworkSnapshot(artifact.network(), 0), InputShape.vector(4),
        artifact.index(), 2, 4);
    ExecutorModel.Local local = model.local();
    assertSame(local, model.local(), "one state per JVM");
    List<Integer> inputs = IntStream.range(0, 23).boxed().toList();
    List<Integer> seen = new ArrayList<>();
    try (BatchEmbedder<Integer> embedder = BatchEmbedder.pipelined(local, inputs.iterator(), i -> i,
        BatchEmbedder.Features.floats(BatchEmbedderTest::vector), 4)) {
      while (embedder.hasNext()) {
        BatchEmbedder.Batch<Integer> batch = embedder.next();
        float[][] rows = batch.rows();
        for (int k = 0; k < batch.items().size(); k++) {
          int i = batch.items().get(k);
          seen.add(i);
          int row = batch.row(k);
          if (vector(i) == null) {
            assertEquals(-1, row, "input " + i + " declined");
            continue;
          }
          float[] expected = NetworkFactory.embed(artifact.network(), Nd4j.create(new float[][] {vector(i)}), 1)
              .toFloatVector();
          assertArrayEquals(expected, rows[row], 1e-5f, "input " + i);
          assertNotNull(batch.classified());
          var alone = Nd4j.create(new float[][] {rows[row]});
          assertEquals(model.newClassifier().predict(alone)[0], batch.classified().predicted()[row], "input " + i);
          assertEquals(model.newClassifier().nearestCluster(alone)[0], batch.classified().nearestCluster()[row]);
        }
      }
    }
    assertEquals(inputs, seen, "every input once, in order");
  }
}
