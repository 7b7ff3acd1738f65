package dev.magnet.spark.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.nn.InputShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCorpusGeneratorTest {
  @TempDir
  Path tmp;

  /** Five random 28x28 images of two classes. */
  private static ImageCorpusGenerator.Source source() {
    byte[] pixels = new byte[5 * 28 * 28];
    new SplittableRandom(3).nextBytes(pixels);
    return new ImageCorpusGenerator.Source(pixels, new int[] {0, 1, 0, 1, 1},
        ImageCorpusGenerator.classFolders(List.of("T-shirt/top", "Ankle boot")));
  }

  /** Decoder outcome by reason ("ok" for images) over every file under root. */
  private static Map<String, Integer> decodeAll(Path root, InputShape shape) throws IOException {
    Map<String, Integer> outcomes = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        DecodeResult r = ImageDecoder.decode(Files.readAllBytes(f), ImagePreprocessing.of(shape));
        outcomes.merge(r instanceof DecodeResult.Rejected j ? j.reason().spelling() : "ok", 1, Integer::sum);
      }
    }
    return outcomes;
  }

  @Test
  void aPngCorpusHoldsTheSourcePixelsAndExactlyTheDamagedFilesAsked() throws IOException {
    Path root = tmp.resolve("png");
    ImageCorpusGenerator.Written written = ImageCorpusGenerator.write(root,
        new ImageCorpusGenerator.Spec(ImageCorpusGenerator.Format.PNG28, 13, 3), source());
    assertEquals(13, written.files());
    try (Stream<Path> folders = Files.list(root)) {
      assertEquals(List.of("ankle-boot", "t-shirt-top"), folders.map(p -> p.getFileName().toString()).sorted().toList(),
          "class names become safe folder names");
    }
    assertEquals(Map.of("ok", 10, "empty", 1, "corrupt", 1, "unknown-format", 1),
        decodeAll(root, InputShape.FASHION_MNIST), "10 images, one damaged file of each kind");
    byte[] first = ((DecodedImage) ImageDecoder.decode(Files.readAllBytes(root.resolve("t-shirt-top/0000000.png")),
        ImagePreprocessing.of(InputShape.FASHION_MNIST))).pixels();
    assertArrayEquals(java.util.Arrays.copyOf(source().pixels(), 784), first, "file 0 is source image 0, exactly");
    byte[] mirrored = ((DecodedImage) ImageDecoder.decode(Files.readAllBytes(root.resolve("t-shirt-top/0000005.png")),
        ImagePreprocessing.of(InputShape.FASHION_MNIST))).pixels();
    assertEquals(first[27], mirrored[0], "the second pass over the source is mirrored");
  }

  @Test
  void aJpegCorpusIsColourAt96AndTheSameArgumentsGiveTheSameBytes() throws IOException {
    ImageCorpusGenerator.Spec spec = new ImageCorpusGenerator.Spec(ImageCorpusGenerator.Format.JPEG96, 4, 1);
    ImageCorpusGenerator.write(tmp.resolve("a"), spec, source());
    ImageCorpusGenerator.write(tmp.resolve("b"), spec, source());
    Path file = Path.of("ankle-boot", "0000001.jpg");
    assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(file)), Files.readAllBytes(tmp.resolve("b").resolve(file)));
    var image = javax.imageio.ImageIO.read(tmp.resolve("a").resolve(file).toFile());
    assertEquals(96, image.getWidth());
    assertEquals(3, image.getColorModel().getNumColorComponents());
    assertInstanceOf(DecodedImage.class, ImageDecoder.decode(Files.readAllBytes(tmp.resolve("a").resolve(file)),
        ImagePreprocessing.of(3, 96, 96)));
  }

  @Test
  void aFolderInUseOrBadCountsAreRefused() throws IOException {
    Files.writeString(Files.createDirectories(tmp.resolve("used")).resolve("x"), "x");
    assertThrows(IllegalArgumentException.class, () -> ImageCorpusGenerator.write(tmp.resolve("used"),
        new ImageCorpusGenerator.Spec(ImageCorpusGenerator.Format.PNG28, 2, 0), source()));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new ImageCorpusGenerator.Spec(ImageCorpusGenerator.Format.PNG28, 2, 3));
    assertEquals("damaged must be in [0, files]; damaged=3 files=2", e.getMessage());
  }
}
