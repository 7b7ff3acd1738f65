package dev.magnet.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** torchvision's RandomResizedCrop parameters: within the image, the scale and ratio ranges, seeded, with its fallback. */
class RandomResizedCropTest {
  @Test
  void cropsLieInTheImageWithinTheScaleAndRatioRanges() {
    SplittableRandom random = new SplittableRandom(1);
    int h = 64;
    int w = 48;
    Set<RandomResizedCrop> seen = new HashSet<>();
    double smallest = 1;
    double largest = 0;
    for (int i = 0; i < 2000; i++) {
      RandomResizedCrop c = RandomResizedCrop.draw(h, w, random);
      assertTrue(c.top() + c.height() <= h && c.left() + c.width() <= w, c.toString());
      double area = (double) c.height() * c.width() / (h * w);
      double ratio = (double) c.width() / c.height();
      // Rounding each side to a pixel moves the area and ratio a little beyond the drawn ranges.
      assertTrue(area >= 0.06 && area <= 1.0, "area " + area + " of " + c);
      assertTrue(ratio >= 0.6 && ratio <= 1.6, "ratio " + ratio + " of " + c);
      smallest = Math.min(smallest, area);
      largest = Math.max(largest, area);
      seen.add(c);
    }
    assertTrue(smallest < 0.1 && largest > 0.9, "the whole scale range is drawn: " + smallest + ".." + largest);
    assertTrue(seen.size() > 500, "crops vary: " + seen.size());
  }

  @Test
  void theSameSeedGivesTheSameCropAndFlip() {
    RandomResizedCrop a = RandomResizedCrop.draw(28, 28, new SplittableRandom(42));
    RandomResizedCrop b = RandomResizedCrop.draw(28, 28, new SplittableRandom(42));
    assertEquals(a, b);
    assertNotEquals(a, RandomResizedCrop.draw(28, 28, new SplittableRandom(43)));
    int flips = 0;
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      flips += RandomResizedCrop.flip(random) ? 1 : 0;
    }
    assertTrue(flips > 430 && flips < 570, "a flip with probability 1/2: " + flips + " of 1000");
  }

  @Test
  void anImageNoCropFitsFallsBackToTheCentralCropOfTheExtremeRatio() {
    // 1 row of 100: every drawn height rounds to 2 or more, so the ten tries fail; the ratio 100
    // is above 4/3, so the crop is the full height and round(1 * 4/3) = 1 column, centred.
    assertEquals(new RandomResizedCrop(0, 49, 1, 1), RandomResizedCrop.draw(1, 100, new SplittableRandom(3)));
    // 100 rows of 1 column: the full width, round(1 / (3/4)) = 1 row, centred.
    assertEquals(new RandomResizedCrop(49, 0, 1, 1), RandomResizedCrop.draw(100, 1, new SplittableRandom(3)));
  }

  @Test
  void badSizesAreRefusedNamingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RandomResizedCrop.draw(0, 5, new SplittableRandom(1)));
    assertEquals("image sides must be positive; height=0 width=5", e.getMessage());
  }
}
