package dev.magnet.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.core.nn.InputShape;
import org.junit.jupiter.api.Test;

class ImagePreprocessingTest {
  @Test
  void imageShapesOfOneOrThreeChannelsImplyTheDefaultPreprocessing() {
    ImagePreprocessing grey = ImagePreprocessing.implied(InputShape.FASHION_MNIST);
    assertEquals(new ImagePreprocessing(1, 28, 28, ImagePreprocessing.Resize.BILINEAR, ImagePreprocessing.Colour.BT601,
        ImagePreprocessing.Scaling.UNIT, Augmentation.NONE), grey);
    assertEquals(InputShape.FASHION_MNIST, grey.shape());
    assertEquals(784, grey.size());
    assertNull(ImagePreprocessing.implied(InputShape.vector(16)), "vectors have none");
    assertNull(ImagePreprocessing.implied(InputShape.image(4, 8, 8)), "nor images of 4 channels");
  }

  @Test
  void theAugmentationDoesNotChangeTheInputAnImageGives() {
    ImagePreprocessing plain = ImagePreprocessing.of(3, 64, 64);
    ImagePreprocessing augmented = plain.withAugmentation(Augmentation.CROP_FLIP);
    assertFalse(plain.equals(augmented));
    assertTrue(plain.sameInput(augmented));
    assertFalse(plain.sameInput(ImagePreprocessing.of(3, 64, 32)));
  }

  @Test
  void outOfRangeValuesAreRefusedNamingThem() {
    assertEquals("images have 1 (grey) or 3 (RGB) channels; channels=2",
        assertThrows(IllegalArgumentException.class, () -> ImagePreprocessing.of(2, 8, 8)).getMessage());
    assertEquals("image size must be positive and at most 4096x4096; size=0x8",
        assertThrows(IllegalArgumentException.class, () -> ImagePreprocessing.of(1, 0, 8)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> ImagePreprocessing.of(1, 8, 5000));
    assertThrows(IllegalArgumentException.class, () -> ImagePreprocessing.of(InputShape.vector(3)));
  }
}
