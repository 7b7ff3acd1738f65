package dev.magnet.core.data;

import java.util.SplittableRandom;

/**
 * The crop of torchvision's {@code RandomResizedCrop} (its {@code get_params}, with the defaults
 * scale = (0.08, 1) and ratio = (3/4, 4/3)), drawn from a {@link SplittableRandom}: up to ten
 * tries of an area fraction uniform in the scale range and a log-uniform aspect ratio, a side
 * rounded half to even as Python rounds, the first crop that fits placed uniformly; else the
 * central crop of the extreme ratio, or the whole image. The same algorithm, not torchvision's
 * random stream.
 *
 * @param top first row of the crop
 * @param left first column
 * @param height rows of the crop
 * @param width columns
 */
public record RandomResizedCrop(int top, int left, int height, int width) {
  /** torchvision's default range of the crop's area, as a fraction of the image's. */
  public static final double MIN_SCALE = 0.08;
  public static final double MAX_SCALE = 1.0;
  /** torchvision's default range of the crop's aspect ratio (width / height). */
  public static final double MIN_RATIO = 3.0 / 4.0;
  public static final double MAX_RATIO = 4.0 / 3.0;
  /** Draws before the central fallback, as torchvision. */
  static final int TRIES = 10;

  public RandomResizedCrop {
    if (top < 0 || left < 0 || height < 1 || width < 1) {
      throw new IllegalArgumentException("a crop has a non-negative corner and a positive size; top=" + top + " left="
          + left + " height=" + height + " width=" + width);
    }
  }

  /** A crop of an image of {@code imageHeight x imageWidth}. */
  public static RandomResizedCrop draw(int imageHeight, int imageWidth, SplittableRandom random) {
    if (imageHeight < 1 || imageWidth < 1) {
      throw new IllegalArgumentException("image sides must be positive; height=" + imageHeight + " width="
          + imageWidth);
    }
    double area = (double) imageHeight * imageWidth;
    double logMin = Math.log(MIN_RATIO);
    double logMax = Math.log(MAX_RATIO);
    for (int attempt = 0; attempt < TRIES; attempt++) {
      double targetArea = area * uniform(random, MIN_SCALE, MAX_SCALE);
      double aspect = Math.exp(uniform(random, logMin, logMax));
      int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
      int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= imageWidth && h > 0 && h <= imageHeight) {
        int top = random.nextInt(imageHeight - h + 1);
        int left = random.nextInt(imageWidth - w + 1);
        return new RandomResizedCrop(top, left, h, w);
      }
    }
    double ratio = (double) imageWidth / imageHeight;
    int w;
    int h;
    if (ratio < MIN_RATIO) {
      w = imageWidth;
      h = (int) Math.rint(w / MIN_RATIO);
    } else if (ratio > MAX_RATIO) {
      h = imageHeight;
      w = (int) Math.rint(h * MAX_RATIO);
    } else {
      w = imageWidth;
      h = imageHeight;
    }
    return new RandomResizedCrop((imageHeight - h) / 2, (imageWidth - w) / 2, h, w);
  }

  /** torchvision's {@code RandomHorizontalFlip}: flip with probability 1/2. */
  public static boolean flip(SplittableRandom random) {
    return random.nextDouble() < 0.5;
  }

  private static double uniform(SplittableRandom random, double from, double to) {
    return from + (to - from) * random.nextDouble();
  }
}
