package dev.magnet.spark.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.nn.InputShape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  private static final ImagePreprocessing GREY_28 = ImagePreprocessing.of(1, 28, 28);

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
    ImagePreprocessing rgb = ImagePreprocessing.of(3, 4, 4);
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
  void rgbaPaletteAndSixteenBitColourAreConvertedNotRejected() throws IOException {
    ImagePreprocessing rgb = ImagePreprocessing.of(3, 8, 8);
    BufferedImage rgba = new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        rgba.setRGB(x, y, 0x80C86432);
      }
    }
    assertPlanes(pixels(ImageDecoder.decode(encode(rgba, "png"), rgb)), 200, 100, 50);

    byte[] r = {(byte) 200, 10};
    byte[] g = {(byte) 100, 20};
    byte[] b = {50, 30};
    BufferedImage palette = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_INDEXED,
        new java.awt.image.IndexColorModel(1, 2, r, g, b));
    assertPlanes(pixels(ImageDecoder.decode(encode(palette, "png"), rgb)), 200, 100, 50);
    assertPlanes(pixels(ImageDecoder.decode(encode(palette, "gif"), rgb)), 200, 100, 50);

    java.awt.image.ColorModel deep = new java.awt.image.ComponentColorModel(
        java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB), new int[] {16, 16, 16}, false, false,
        java.awt.Transparency.OPAQUE, java.awt.image.DataBuffer.TYPE_USHORT);
    BufferedImage sixteen = new BufferedImage(deep, deep.createCompatibleWritableRaster(8, 8), false, null);
    for (int y = 0; y < 8; y++) {
      for (int x = 0; x < 8; x++) {
        sixteen.getRaster().setPixel(x, y, new int[] {257 * 200, 257 * 100, 257 * 50});
      }
    }
    assertPlanes(pixels(ImageDecoder.decode(encode(sixteen, "png"), rgb)), 200, 100, 50);
  }

  /** A CMYK JPEG (a 4-band raster written by the JDK's writer), which the JDK's reader refuses. */
  private static byte[] cmykJpeg(int value) throws IOException {
    java.awt.image.WritableRaster raster = java.awt.image.Raster.createInterleavedRaster(
        java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    for (int y = 0; y < 16; y++) {
      for (int x = 0; x < 16; x++) {
        raster.setPixel(x, y, new int[] {value, value, value, value});
      }
    }
    javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (javax.imageio.stream.ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new javax.imageio.IIOImage(raster, null, null), writer.getDefaultWriteParam());
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  @Test
  void cmykJpegsAreConvertedToRgb() throws IOException {
    byte[] low = pixels(ImageDecoder.decode(cmykJpeg(0), GREY_28));
    byte[] high = pixels(ImageDecoder.decode(cmykJpeg(255), GREY_28));
    int a = low[0] & 0xFF;
    int b = high[0] & 0xFF;
    assertTrue(allEqual(low, a) && allEqual(high, b), "flat CMYK images stay flat: " + a + ", " + b);
    assertTrue(Math.abs(a - b) > 150, "no ink and full ink are far apart: " + a + " " + b);
  }

  @Test
  void largeImagesAreSubsampledAndTheirPixelCountCheckedFromTheHeader() throws IOException {
    assertEquals(1, ImageDecoder.subsampling(2048, 28), "up to the side limit nothing is skipped");
    assertEquals(3, ImageDecoder.subsampling(5000, 28), "the smallest period that keeps at most 2048");
    assertEquals(2, ImageDecoder.subsampling(5000, 1200), "never fewer than twice the model's size");
    byte[] flat = new byte[5000 * 40];
    Arrays.fill(flat, (byte) 90);
    assertTrue(allEqual(pixels(ImageDecoder.decode(encode(greyImage(flat, 5000, 40), "png"), GREY_28)), 90),
        "a subsampled strip decodes to its value");

    byte[] png = encode(greyImage(randomPlane(28, 28, 6), 28, 28), "png");
    // IHDR starts at byte 16: width and height as big-endian ints, then a CRC over "IHDR" and the data.
    java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(png);
    header.putInt(16, 20_000).putInt(20, 20_000);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, 12, 17);
    header.putInt(29, (int) crc.getValue());
    DecodeResult.Rejected tooLarge = rejected(ImageDecoder.decode(png, GREY_28), RejectReason.TOO_LARGE);
    assertEquals("20000x20000 pixels is more than 100000000", tooLarge.detail());
  }

  private static void assertPlanes(byte[] planes, int r, int g, int b) {
    int n = planes.length / 3;
    assertTrue(allEqual(Arrays.copyOfRange(planes, 0, n), r), "R " + (planes[0] & 0xFF));
    assertTrue(allEqual(Arrays.copyOfRange(planes, n, 2 * n), g), "G " + (planes[n] & 0xFF));
    assertTrue(allEqual(Arrays.copyOfRange(planes, 2 * n, 3 * n), b), "B " + (planes[2 * n] & 0xFF));
  }

  @Test
  void onlyImageModelsOfOneOrThreeChannelsTakeImages() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageDecoder.checkModel(ImagePreprocessing.implied(InputShape.vector(16)), InputShape.vector(16)));
    assertTrue(e.getMessage().startsWith("images need a model of image inputs with 1 or 3 channels; model input="),
        e.getMessage());
    InputShape two = InputShape.image(2, 8, 8);
    assertThrows(IllegalArgumentException.class, () -> ImageDecoder.checkModel(ImagePreprocessing.implied(two), two));
    assertEquals(ImagePreprocessing.of(3, 8, 8), ImageDecoder.checkModel(ImagePreprocessing.of(3, 8, 8),
        InputShape.image(3, 8, 8)));
  }

  @Test
  void decodedPixelsOfSparksImageSourceGoThroughTheSameConversionAndResize() throws IOException {
    // A 5x7 RGB image: its PNG decoded, and its pixels interleaved BGR as Spark's image source holds them.
    BufferedImage image = new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB);
    byte[] bgr = new byte[5 * 7 * 3];
    SplittableRandom random = new SplittableRandom(4);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 7; x++) {
        int rgb = random.nextInt(1 << 24);
        image.setRGB(x, y, rgb);
        int p = (y * 7 + x) * 3;
        bgr[p] = (byte) rgb;
        bgr[p + 1] = (byte) (rgb >> 8);
        bgr[p + 2] = (byte) (rgb >> 16);
      }
    }
    byte[] png = encode(image, "png");
    for (ImagePreprocessing p : List.of(ImagePreprocessing.of(3, 5, 7), ImagePreprocessing.of(3, 3, 4),
        ImagePreprocessing.of(1, 10, 14), ImagePreprocessing.of(1, 5, 7))) {
      assertArrayEquals(pixels(ImageDecoder.decode(png, p)), ImageDecoder.fromInterleaved(bgr, 5, 7, 3, p).pixels(),
          p.toString());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ImageDecoder.fromInterleaved(new byte[5], 5, 7, 3, ImagePreprocessing.of(3, 5, 7)));
    assertEquals("decoded images hold height*width*channels bytes; 5 bytes for 5x7x3", e.getMessage());
  }

  @Test
  void theHeaderGivesSizeAndColourWithoutThePixels() throws IOException {
    ImageDecoder.Header grey = ImageDecoder.header(encode(greyImage(new byte[30 * 20], 30, 20), "png"));
    assertEquals(List.of(30, 20, false), List.of(grey.width(), grey.height(), grey.colour()));
    ImageDecoder.Header rgb = ImageDecoder.header(encode(rgbImage(9, 4, 0x102030), "jpeg"));
    assertEquals(List.of(9, 4, true), List.of(rgb.width(), rgb.height(), rgb.colour()));
    assertNull(ImageDecoder.header("text".getBytes(StandardCharsets.UTF_8)));
    assertNull(ImageDecoder.header(new byte[0]));
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
