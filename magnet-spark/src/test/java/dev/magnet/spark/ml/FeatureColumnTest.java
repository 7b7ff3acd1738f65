package dev.magnet.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.image.ImageDecoder;
import dev.magnet.spark.experiment.tune.TuningFrame;
import java.util.List;
import org.apache.spark.ml.image.ImageSchema;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The image struct of Spark's image source becomes RGB planes in C order. */
class FeatureColumnTest {
  private static final StructType SCHEMA = new StructType().add("image", ImageSchema.columnSchema());

  @Test
  void bgrPixelsBecomeRgbPlanes() {
    // One row of two pixels, each stored B, G, R: pixel 0 = (R1, G2, B3), pixel 1 = (R4, G5, B6).
    byte[] data = {3, 2, 1, 6, 5, 4};
    var image = RowFactory.create("file:/x.png", 1, 2, 3, 16, data);
    FeatureColumn column = FeatureColumn.of(SCHEMA, "image").shaped(InputShape.image(3, 1, 2));
    assertArrayEquals(new byte[] {1, 4, 2, 5, 3, 6}, column.imageBytes(image));
    assertArrayEquals(new float[] {1 / 255f, 4 / 255f, 2 / 255f, 5 / 255f, 3 / 255f, 6 / 255f}, column.values(image));
  }

  @Test
  void tuningWritesImagesAsStructsThatReadBackToTheSamePlanes() {
    // RGB planes of a 2x2 image: R = 1..4, G = 11..14, B = 21..24.
    byte[] planes = {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24};
    byte[] struct = TuningFrame.imageStructBytes(planes, 3, 2, 2);
    assertArrayEquals(new byte[] {21, 11, 1, 22, 12, 2, 23, 13, 3, 24, 14, 4}, struct, "interleaved, BGR");
    var image = RowFactory.create("example 7", 2, 2, 3, 16, struct);
    assertArrayEquals(planes, FeatureColumn.of(SCHEMA, "image").shaped(InputShape.image(3, 2, 2)).imageBytes(image));
  }

  @Test
  void greyImagesKeepTheirOneChannel() {
    byte[] data = {10, 20, 30, 40};
    var image = RowFactory.create("file:/g.png", 2, 2, 1, 0, data);
    FeatureColumn column = FeatureColumn.of(SCHEMA, "image").shaped(InputShape.image(1, 2, 2));
    assertArrayEquals(data, column.imageBytes(image));
  }

  @Test
  void anImageOfAnotherSizeIsResizedAsItsFileWouldBe() {
    byte[] data = {0, 60, (byte) 120, (byte) 180};
    var image = RowFactory.create("file:/small.png", 2, 2, 1, 0, data);
    FeatureColumn column = FeatureColumn.of(SCHEMA, "image").shaped(InputShape.image(1, 3, 3));
    assertArrayEquals(ImageDecoder.fromInterleaved(data, 2, 2, 1, ImagePreprocessing.of(1, 3, 3)).pixels(),
        column.imageBytes(image));
  }

  @Test
  void withoutAPreprocessingAnImageOfAnotherShapeIsRefusedNamingIt() {
    var image = RowFactory.create("file:/big.png", 2, 2, 3, 16, new byte[12]);
    FeatureColumn column = FeatureColumn.of(SCHEMA, "image").shaped(InputShape.image(4, 3, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> column.imageBytes(image));
    assertEquals("Column image must hold images of " + InputShape.image(4, 3, 3) + "; image file:/big.png has"
        + " channels=3 height=2 width=2", e.getMessage());
    assertEquals(List.of("origin", "height", "width", "nChannels", "mode", "data"),
        List.of(ImageSchema.columnSchema().fieldNames()));
  }
}
