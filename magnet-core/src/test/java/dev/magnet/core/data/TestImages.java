package dev.magnet.core.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * Seeded image files for the tests of every module that reads them: class folders of images a
 * small network tells apart in an epoch, and one file of each kind a decoder must reject.
 */
public final class TestImages {
  /** The bad files {@link #writeBadFiles} writes, by name, with the reason each is rejected for. */
  public static final Map<String, String> BAD_FILES = badFiles();

  private TestImages() {}

  private static Map<String, String> badFiles() {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("empty.png", "empty");
    files.put("truncated.png", "corrupt");
    files.put("notes.png", "unknown-format");
    files.put("huge.png", "too-large");
    return files;
  }

  /** An image's bytes in {@code format} ("png", "jpeg", "bmp", "gif"). */
  public static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /**
   * Image {@code i} of class {@code label}: stripes whose period and direction depend on the class,
   * shifted by the image, with noise; grey, or tinted by class when {@code colour}.
   */
  public static BufferedImage classImage(int label, int i, int width, int height, boolean colour, long seed) {
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + label * 10_007L + i);
    BufferedImage image = new BufferedImage(width, height, colour ? BufferedImage.TYPE_INT_RGB
        : BufferedImage.TYPE_BYTE_GRAY);
    int period = 3 + 2 * label;
    int shift = random.nextInt(period);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int along = label % 2 == 0 ? x : y;
        int v = ((along + shift) / period) % 2 == 0 ? 200 : 40;
        v = Math.max(0, Math.min(255, v + random.nextInt(41) - 20));
        if (colour) {
          int r = label % 3 == 0 ? v : v / 2;
          int g = label % 3 == 1 ? v : v / 2;
          int b = label % 3 == 2 ? v : v / 2;
          image.setRGB(x, y, r << 16 | g << 8 | b);
        } else {
          image.getRaster().setSample(x, y, 0, v);
        }
      }
    }
    return image;
  }

  /**
   * Writes {@code perClass} images of each of {@code classes} classes as
   * {@code root/class-<k>/<i>.<ext>}; returns the files written.
   */
  public static int writeClasses(Path root, int classes, int perClass, int width, int height, boolean colour,
      String format, long seed) throws IOException {
    String extension = format.equals("jpeg") ? "jpg" : format;
    for (int k = 0; k < classes; k++) {
      Path folder = Files.createDirectories(root.resolve("class-" + k));
      for (int i = 0; i < perClass; i++) {
        Files.write(folder.resolve(String.format(Locale.ROOT, "%04d.%s", i, extension)),
            encode(classImage(k, i, width, height, colour, seed), format));
      }
    }
    return classes * perClass;
  }

  /** A PNG whose header says 20000x20000 pixels (with a valid CRC), more than a decoder takes. */
  public static byte[] hugePng() {
    byte[] png = encode(classImage(0, 0, 8, 8, false, 1), "png");
    // IHDR starts at byte 16: width and height as big-endian ints, then a CRC over "IHDR" and the data.
    ByteBuffer header = ByteBuffer.wrap(png);
    header.putInt(16, 20_000).putInt(20, 20_000);
    CRC32 crc = new CRC32();
    crc.update(png, 12, 17);
    header.putInt(29, (int) crc.getValue());
    return png;
  }

  /** Writes one file of each kind of {@link #BAD_FILES} into {@code dir}. */
  public static void writeBadFiles(Path dir) throws IOException {
    Files.createDirectories(dir);
    byte[] png = encode(classImage(0, 0, 16, 16, false, 1), "png");
    Files.write(dir.resolve("empty.png"), new byte[0]);
    Files.write(dir.resolve("truncated.png"), Arrays.copyOf(png, png.length / 2));
    Files.write(dir.resolve("notes.png"), "not an image\n".getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("huge.png"), hugePng());
  }
}
