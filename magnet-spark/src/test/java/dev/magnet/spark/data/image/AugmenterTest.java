package dev.magnet.spark.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.core.data.RandomResizedCrop;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Training augmentation of 8-bit planes: seeded, of the input's shape, a mirror or a resized crop. */
class AugmenterTest {
  /** Two channels of a 4x6 image: channel c, row y, column x holds 100 c + 10 y + x. */
  private static byte[] planes(int channels, int h, int w) {
    byte[] out = new byte[channels * h * w];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          out[(c * h + y) * w + x] = (byte) (100 * c + 10 * y + x);
        }
      }
    }
    return out;
  }

  @Test
  void noAugmentationNeedsNoAugmenter() {
    assertNull(Augmenter.of(ImagePreprocessing.of(1, 28, 28)));
    assertNull(Augmenter.of(null));
  }

  @Test
  void aFlipMirrorsEveryRowOfEveryChannelWhenItsDrawSaysSo() {
    Augmenter flip = Augmenter.of(ImagePreprocessing.of(3, 4, 6).withAugmentation(Augmentation.FLIP));
    byte[] pixels = planes(3, 4, 6);
    int flipped = 0;
    for (long seed = 0; seed < 40; seed++) {
      byte[] out = flip.apply(pixels, new SplittableRandom(seed));
      boolean mirrored = RandomResizedCrop.flip(new SplittableRandom(seed));
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 4; y++) {
          for (int x = 0; x < 6; x++) {
            assertEquals(pixels[(c * 4 + y) * 6 + (mirrored ? 5 - x : x)], out[(c * 4 + y) * 6 + x]);
          }
        }
      }
      flipped += mirrored ? 1 : 0;
    }
    assertTrue(flipped > 5 && flipped < 35, "about half are flipped: " + flipped);
  }

  @Test
  void aResizedCropIsSeededAndKeepsTheShape() {
    Augmenter crop = Augmenter.of(ImagePreprocessing.of(1, 28, 28).withAugmentation(Augmentation.CROP_FLIP));
    byte[] pixels = new byte[28 * 28];
    new SplittableRandom(1).nextBytes(pixels);
    byte[] a = crop.apply(pixels, new SplittableRandom(9));
    assertArrayEquals(a, crop.apply(pixels, new SplittableRandom(9)), "the same seed gives the same bits");
    assertEquals(pixels.length, a.length);
    Set<String> outputs = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      outputs.add(Arrays.toString(crop.apply(pixels, new SplittableRandom(seed))));
    }
    assertTrue(outputs.size() > 15, "crops differ between draws: " + outputs.size());
    assertFalse(outputs.contains(Arrays.toString(pixels)) && outputs.size() == 1);
    // A flat image stays flat whatever the crop: the resize interpolates between equal values.
    byte[] flat = new byte[28 * 28];
    Arrays.fill(flat, (byte) 77);
    assertArrayEquals(flat, crop.apply(flat, new SplittableRandom(3)));
  }

  @Test
  void examplesOfAnotherShapeAreRefusedNamingIt() {
    Augmenter flip = Augmenter.of(ImagePreprocessing.of(1, 8, 8).withAugmentation(Augmentation.FLIP));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> flip.apply(new byte[10], new SplittableRandom(1)));
    assertEquals("augmented examples must be 8-bit images of 1x8x8; bytes=10", e.getMessage());
  }
}
