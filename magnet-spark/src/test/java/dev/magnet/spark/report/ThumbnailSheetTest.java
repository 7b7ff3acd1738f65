package dev.magnet.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.FeatureEncoding;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * An example drawn as the model read it: planes in channel, row, column order become the right
 * pixels; a thumbnail is drawn once per key; the figure's border and a missing picture.
 */
class ThumbnailSheetTest {
  @Test
  void colourPlanesBecomeRedGreenAndBlue() {
    // 3 x 1 x 2: the left pixel pure red, the right one (0, 128, 255).
    byte[] planes = {(byte) 255, 0, 0, (byte) 128, 0, (byte) 255};
    BufferedImage image = ThumbnailSheet.pixels(new Example(1, 0, -1, FeatureEncoding.UINT8, planes),
        InputShape.image(3, 1, 2));
    assertEquals(0xFF0000, image.getRGB(0, 0) & 0xFFFFFF);
    assertEquals(0x0080FF, image.getRGB(1, 0) & 0xFFFFFF);
  }

  @Test
  void greyPlanesKeepTheirLevelsRowByRow() {
    float[] values = {0f, 0.5f, 1f, 0.25f}; // 2 x 2, row-major
    BufferedImage image = ThumbnailSheet.pixels(Example.ofFloats(2, 0, -1, values), InputShape.image(1, 2, 2));
    assertEquals(BufferedImage.TYPE_BYTE_GRAY, image.getType());
    assertEquals(0, image.getRaster().getSample(0, 0, 0));
    assertEquals(128, image.getRaster().getSample(1, 0, 0));
    assertEquals(255, image.getRaster().getSample(0, 1, 0));
    assertEquals(64, image.getRaster().getSample(1, 1, 0));
  }

  @Test
  void vectorsAreNoPictures() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ThumbnailSheet.pixels(Example.ofFloats(3, 0, -1, new float[8]), InputShape.vector(8)));
    assertTrue(e.getMessage().contains("shape=" + InputShape.vector(8) + ", values=8, id=3"), e.getMessage());
  }

  @Test
  void eachKeyIsDrawnOnceAndAMissingPictureShowsItsId() throws Exception {
    ThumbnailSheet sheet = new ThumbnailSheet();
    BufferedImage big = new BufferedImage(300, 150, BufferedImage.TYPE_INT_ARGB);
    String first = sheet.figure("a", "7", big, "Bag", "#1", ThumbnailSheet.Border.DIFFERENT, "t");
    sheet.figure("a", "7", big, "Bag", "#2", ThumbnailSheet.Border.SAME, "t");
    String missing = sheet.figure("b", "8", null, null, "#3", ThumbnailSheet.Border.NONE, "t");
    assertEquals(1, sheet.written());
    assertEquals(1, sheet.missing());
    assertTrue(first.contains("<img class=\"different\" src=\"thumbnails/a.png\""), first);
    assertTrue(missing.contains(">8</div>"), missing);
    BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(sheet.files().get("thumbnails/a.png")));
    assertEquals(ThumbnailSheet.THUMBNAIL, thumbnail.getWidth(), "scaled to the thumbnail's side");
    assertEquals(ThumbnailSheet.THUMBNAIL / 2, thumbnail.getHeight());
  }
}
