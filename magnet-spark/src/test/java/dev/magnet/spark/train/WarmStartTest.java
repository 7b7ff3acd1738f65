package dev.magnet.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The label map of a warm start, without Spark: the tiny model knows cat (clusters 0, 1) and dog (2, 3). */
class WarmStartTest {
  private static final ModelArtifact MODEL = TestModels.tiny();
  private static final InputShape INPUT = InputShape.vector(4);

  private static WarmStart start(String... labels) {
    return WarmStart.of(MODEL, "m", List.of(labels), LossKind.MAGNET, INPUT);
  }

  @Test
  void theSameLabelsKeepTheIndex() {
    WarmStart warm = start("cat", "dog");
    assertEquals(List.of(), warm.added());
    assertEquals(List.of(), warm.vanished());
    assertArrayEquals(MODEL.index().centroids(), warm.index().centroids());
    assertArrayEquals(new int[] {0, 0, 1, 1}, warm.index().clusterClasses());
  }

  /** String labels take their sorted order: a new "bird" shifts cat and dog to ids 1 and 2. */
  @Test
  void aNewClassGetsNoClustersAndKnownOnesFollowTheirNames() {
    WarmStart warm = start("bird", "cat", "dog");
    assertEquals(List.of("bird"), warm.added());
    ClusterIndex index = warm.index();
    assertEquals(3, index.numClasses());
    assertEquals(0, index.clusterCountOfClass(0));
    assertArrayEquals(new int[] {1, 1, 2, 2}, index.clusterClasses());
    assertArrayEquals(MODEL.index().centroid(2), index.centroid(2));
  }

  @Test
  void aVanishedClassIsDroppedFromTheIndex() {
    WarmStart warm = start("dog");
    assertEquals(List.of("cat"), warm.vanished());
    assertEquals(1, warm.index().numClasses());
    assertArrayEquals(new double[][] {MODEL.index().centroid(2), MODEL.index().centroid(3)}, warm.index().centroids());
  }

  @Test
  void aRenamedClassIsAnErrorNamingBothLabels() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> start("cat", "wolf"));
    assertEquals("label map conflicts with --init-from m: class id 1 is 'dog' in the model and 'wolf' in the data,"
        + " a renamed class? (model labels=[cat, dog], data labels=[cat, wolf])", e.getMessage());
  }

  @Test
  void anotherLossOrInputShapeIsAnError() {
    IllegalArgumentException loss = assertThrows(IllegalArgumentException.class,
        () -> WarmStart.of(MODEL, "m", List.of("cat", "dog"), LossKind.SOFTMAX, INPUT));
    assertEquals("--init-from m was trained with the MAGNET loss, this run uses SOFTMAX; their networks' outputs differ",
        loss.getMessage());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> WarmStart.of(MODEL, "m", List.of("cat", "dog"), LossKind.MAGNET, InputShape.vector(5)));
    assertEquals("--init-from m takes inputs of another shape; model=" + INPUT + ", data=" + InputShape.vector(5),
        shape.getMessage());
  }

  @Test
  void noClassLeftMeansAColdIndex() {
    assertNull(WarmStart.remap(MODEL.index(), List.of("cat", "dog"), List.of("emu", "fox", "gnu")));
  }
}
