package dev.magnet.spark.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.nn.InputShape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  private static final InputShape GREY_28 = InputShape.image(1, 28, 28);

  /** A w x h grey image of seeded random bytes. */
  static byte[] randomPlane(int w, int h, long seed) {
    byte[] plane = new byte[w * h];
    new SplittableRandom(seed).nextBytes(plane);
    return plane;
  }

  static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, format, out), "ImageIO writes " + format);
    return out.toByteArray();
  }

  static BufferedImage greyImage(byte[] plane, int w, int h) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, w, h, plane);
    return image;
  }

  private static BufferedImage rgbImage(int w, int h, int rgb) {
    BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    return image;
  }

  private static byte[] pixels(DecodeResult result) {
    return assertInstanceOf(DecodedImage.class, result, result.toString()).pixels();
  }

  private static DecodeResult.Rejected rejected(DecodeResult result, RejectReason reason) {
    DecodeResult.Rejected rejected = assertInstanceOf(DecodeResult.Rejected.class, result, result.toString());
    assertEquals(reason, rejected.reason(), rejected.toString());
    return rejected;
  }

  @Test
  void aGreyPngDecodesToItsExactBytes() throws IOException {
    byte[] plane = randomPlane(28, 28, 1);
    assertArrayEquals(plane, pixels(ImageDecoder.decode(encode(greyImage(plane, 28, 28), "png"), GREY_28)));
  }

  @Test
  void greyRgbStaysGreyAndColourBecomesBt601Luminance() throws IOException {
    byte[] grey = pixels(ImageDecoder.decode(encode(rgbImage(28, 28, 0x7B7B7B), "png"), GREY_28));
    assertTrue(allEqual(grey, 0x7B), Arrays.toString(grey));
    byte[] colour = pixels(ImageDecoder.decode(encode(rgbImage(28, 28, 0xC86432), "png"), GREY_28));
    int expected = (299 * 200 + 587 * 100 + 114 * 50 + 500) / 1000;
    assertTrue(allEqual(colour, expected), expected + " " + Arrays.toString(colour));
  }

  @Test
  void anRgbModelGetsRgbPlanesAndGreyImagesRepeated() throws IOException {
    InputShape rgb = InputShape.image(3, 4, 4);
    byte[] planes = pixels(ImageDecoder.decode(encode(rgbImage(4, 4, 0xC86432), "png"), rgb));
    assertTrue(allEqual(Arrays.copyOfRange(planes, 0, 16), 200));
    assertTrue(allEqual(Arrays.copyOfRange(planes, 16, 32), 100));
    assertTrue(allEqual(Arrays.copyOfRange(planes, 32, 48), 50));
    byte[] plane = randomPlane(4, 4, 2);
    byte[] repeated = pixels(ImageDecoder.decode(encode(greyImage(plane, 4, 4), "png"), rgb));
    for (int c = 0; c < 3; c++) {
      assertArrayEquals(plane, Arrays.copyOfRange(repeated, c * 16, c * 16 + 16));
    }
  }

  @Test
  void resizingKeepsFlatValuesAndAveragesLargeReductions() throws IOException {
    byte[] flat = new byte[40 * 30];
    Arrays.fill(flat, (byte) 200);
    assertTrue(allEqual(pixels(ImageDecoder.decode(encode(greyImage(flat, 40, 30), "png"), GREY_28)), 200),
        "a flat image stays flat, edges included");
    byte[] checker = new byte[112 * 112];
    for (int i = 0; i < checker.length; i++) {
      checker[i] = (byte) (((i / 112) + (i % 112)) % 2 == 0 ? 0 : 255);
    }
    byte[] reduced = pixels(ImageDecoder.decode(encode(greyImage(checker, 112, 112), "png"), GREY_28));
    for (byte b : reduced) {
      assertTrue(Math.abs((b & 0xFF) - 127.5) <= 1, "a 4x reduction averages the checkerboard: " + (b & 0xFF));
    }
    byte[] small = randomPlane(14, 14, 3);
    assertEquals(28 * 28, pixels(ImageDecoder.decode(encode(greyImage(small, 14, 14), "png"), GREY_28)).length);
  }

  @Test
  void sixteenBitGreyIsScaledToEightBits() throws IOException {
    BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        image.getRaster().setSample(x, y, 0, 257 * 100);
      }
    }
    assertTrue(allEqual(pixels(ImageDecoder.decode(encode(image, "png"), GREY_28)), 100));
  }

  @Test
  void badFilesAreRejectedWithAReason() throws IOException {
    assertEquals("the file is empty", rejected(ImageDecoder.decode(new byte[0], GREY_28), RejectReason.EMPTY).detail());
    rejected(ImageDecoder.decode("not an image\n".getBytes(StandardCharsets.UTF_8), GREY_28),
        RejectReason.UNKNOWN_FORMAT);
    byte[] noise = randomPlane(500, 1, 4);
    noise[0] = 0x00;
    rejected(ImageDecoder.decode(noise, GREY_28), RejectReason.UNKNOWN_FORMAT);
    byte[] png = encode(greyImage(randomPlane(28, 28, 5), 28, 28), "png");
    DecodeResult.Rejected truncatedPng = rejected(ImageDecoder.decode(Arrays.copyOf(png, png.length / 2), GREY_28),
        RejectReason.CORRUPT);
    assertTrue(truncatedPng.detail().startsWith("png: "), truncatedPng.detail());
    byte[] jpeg = encode(rgbImage(64, 64, 0x336699), "jpeg");
    rejected(ImageDecoder.decode(Arrays.copyOf(jpeg, jpeg.length / 2), GREY_28), RejectReason.CORRUPT);
    byte[] headerOnly = Arrays.copyOf(png, 40);
    rejected(ImageDecoder.decode(headerOnly, GREY_28), RejectReason.CORRUPT);
  }

  @Test
  void onlyImageModelsOfOneOrThreeChannelsTakeImages() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageDecoder.checkShape(InputShape.vector(16)));
    assertTrue(e.getMessage().startsWith("images need a model of image inputs with 1 or 3 channels; model input="),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ImageDecoder.checkShape(InputShape.image(2, 8, 8)));
  }

  private static boolean allEqual(byte[] values, int expected) {
    for (byte b : values) {
      if ((b & 0xFF) != expected) {
        return false;
      }
    }
    return true;
  }
}
