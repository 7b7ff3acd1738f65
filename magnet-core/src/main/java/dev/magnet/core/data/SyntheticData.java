package dev.magnet.core.data;

import dev.magnet.core.matrix.Matrices;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generators of labelled data with hidden sub-classes, for tests and demos. Each coarse
 * class is a mixture of {@code subclassesPerClass} sub-clusters; the data set's labels are the
 * coarse classes and its fine labels the sub-clusters, numbered {@code class * subclassesPerClass
 * + s}, so a test can check whether a metric trained on coarse labels keeps the fine structure.
 * Sub-clusters of one class are placed independently of each other, so a class is multi-modal
 * and may interleave with other classes: the situation the Magnet loss is designed for.
 *
 * <p>The same arguments and seed give identical data; examples come in a seeded random order.
 * Example: {@code vectors(3, 2, 50, 8, 4.0, 0.5, 7)} gives 300 vectors of 8 dimensions in 3
 * classes of 100, each class two clusters of 50.
 */
public final class SyntheticData {
  /** Fewer than two classes leaves metric learning nothing to contrast. */
  public static final int MIN_CLASSES = 2;
  /** Smaller images leave no room for distinguishable patterns. */
  public static final int MIN_IMAGE_SIZE = 8;
  /** Pixel noise standard deviation: visible, while the pattern stays dominant. */
  public static final double IMAGE_NOISE = 0.1;
  /** Largest shift as a fraction of the edge: 2 pixels at 28, like hand-centred digits. */
  private static final double MAX_SHIFT_FRACTION = 2.0 / 28;
  /** Gaussian blobs per image template: area-like features. */
  private static final int BLOBS_PER_TEMPLATE = 2;
  /** Line strokes per image template: edge-like features a small CNN picks up. */
  private static final int STROKES_PER_TEMPLATE = 2;
  /** Pattern centres keep this fraction of the edge from the border, so shifts do not crop them. */
  private static final double MARGIN_FRACTION = 0.2;
  /** Blob radii (standard deviations) range over these fractions of the edge: 2-4 px at 28. */
  private static final double MIN_BLOB_FRACTION = 1.0 / 14;
  private static final double MAX_BLOB_FRACTION = 1.0 / 7;
  /** Stroke half-width (standard deviation) as a fraction of the edge: 1.2 px at 28. */
  private static final double STROKE_FRACTION = 1.2 / 28;
  /** A float array holds at most this many values. */
  private static final long MAX_VALUES = Integer.MAX_VALUE - 8L;

  private SyntheticData() {}

  /**
   * Vectors around sub-cluster centres. Centres are Gaussian, scaled so that two centres lie
   * {@code separation} apart on average; each example is its centre plus isotropic Gaussian
   * noise scaled so that it lies {@code noise} from its centre on average, whatever {@code dim}.
   *
   * @param classes number of coarse classes, at least {@value #MIN_CLASSES}
   * @param subclassesPerClass sub-clusters per class, at least 1
   * @param perSubclass examples per sub-cluster, at least 1
   * @param dim dimension of the vectors, at least 1
   * @param separation mean distance between sub-cluster centres, positive
   * @param noise mean distance of an example from its centre, non-negative
   * @param seed seed of the generator
   * @return features [n, dim] with n = classes * subclassesPerClass * perSubclass
   */
  public static LabelledDataset vectors(
      int classes, int subclassesPerClass, int perSubclass, int dim,
      double separation, double noise, long seed) {
    requireAtLeast("dim", dim, 1);
    int n = checkedSize(classes, subclassesPerClass, perSubclass, dim);
    if (!(separation > 0 && Double.isFinite(separation))) {
      throw new IllegalArgumentException(
          "separation must be positive and finite; separation=" + separation);
    }
    if (!(noise >= 0 && Double.isFinite(noise))) {
      throw new IllegalArgumentException(
          "noise must be non-negative and finite; noise=" + noise);
    }
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom centreRandom = root.split();
    SplittableRandom orderRandom = root.split();
    SplittableRandom pointRandom = root.split();
    int subclasses = classes * subclassesPerClass;
    // Two N(0, s^2 I) points in dim dimensions lie about s * sqrt(2 dim) apart.
    double centreScale = separation / Math.sqrt(2.0 * dim);
    double[][] centres = new double[subclasses][dim];
    for (double[] centre : centres) {
      for (int j = 0; j < dim; j++) {
        centre[j] = centreScale * centreRandom.nextGaussian();
      }
    }
    double noiseScale = noise / Math.sqrt(dim);
    int[] fine = shuffledFineLabels(subclasses, perSubclass, orderRandom);
    float[] values = new float[n * dim];
    for (int i = 0; i < n; i++) {
      double[] centre = centres[fine[i]];
      for (int j = 0; j < dim; j++) {
        values[i * dim + j] = (float) (centre[j] + noiseScale * pointRandom.nextGaussian());
      }
    }
    String description = String.format(
        "synthetic vectors: classes=%d subclassesPerClass=%d perSubclass=%d dim=%d"
            + " separation=%s noise=%s seed=%d",
        classes, subclassesPerClass, perSubclass, dim, separation, noise, seed);
    return new LabelledDataset(
        Matrices.fromFloats(values, n, dim),
        coarse(fine, subclassesPerClass), classNames(classes), fine, description);
  }

  /**
   * Grey images, one random template per sub-cluster (Gaussian blobs and line strokes on a black
   * background); each example is its template shifted by up to 2 pixels (at size 28) in each
   * direction, plus Gaussian pixel noise of standard deviation {@value #IMAGE_NOISE}, clipped to
   * [0, 1].
   *
   * @param classes number of coarse classes, at least {@value #MIN_CLASSES}
   * @param subclassesPerClass sub-clusters per class, at least 1
   * @param perSubclass examples per sub-cluster, at least 1
   * @param size edge of the square images in pixels, at least {@value #MIN_IMAGE_SIZE}
   * @param seed seed of the generator
   * @return features [n, 1, size, size] with n = classes * subclassesPerClass * perSubclass
   */
  public static LabelledDataset images(
      int classes, int subclassesPerClass, int perSubclass, int size, long seed) {
    requireAtLeast("size", size, MIN_IMAGE_SIZE);
    int n = checkedSize(classes, subclassesPerClass, perSubclass, (long) size * size);
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom templateRandom = root.split();
    SplittableRandom orderRandom = root.split();
    SplittableRandom pixelRandom = root.split();
    int subclasses = classes * subclassesPerClass;
    double[][] templates = new double[subclasses][];
    for (int t = 0; t < subclasses; t++) {
      templates[t] = template(size, templateRandom);
    }
    int maxShift = (int) Math.round(size * MAX_SHIFT_FRACTION);
    int pixels = size * size;
    int[] fine = shuffledFineLabels(subclasses, perSubclass, orderRandom);
    float[] values = new float[n * pixels];
    for (int i = 0; i < n; i++) {
      double[] template = templates[fine[i]];
      int dx = pixelRandom.nextInt(-maxShift, maxShift + 1);
      int dy = pixelRandom.nextInt(-maxShift, maxShift + 1);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          int sx = x - dx;
          int sy = y - dy;
          boolean inside = sx >= 0 && sx < size && sy >= 0 && sy < size;
          double v = (inside ? template[sy * size + sx] : 0.0)
              + IMAGE_NOISE * pixelRandom.nextGaussian();
          values[i * pixels + y * size + x] = (float) Math.min(1.0, Math.max(0.0, v));
        }
      }
    }
    String description = String.format(
        "synthetic images: classes=%d subclassesPerClass=%d perSubclass=%d size=%d seed=%d",
        classes, subclassesPerClass, perSubclass, size, seed);
    return new LabelledDataset(
        Matrices.fromFloats(values, n, 1, size, size),
        coarse(fine, subclassesPerClass), classNames(classes), fine, description);
  }

  /** A pattern in [0, 1]: the pointwise maximum of a few blobs and strokes. */
  private static double[] template(int size, SplittableRandom random) {
    double margin = size * MARGIN_FRACTION;
    double low = margin;
    double high = size - 1 - margin;
    double[] t = new double[size * size];
    for (int b = 0; b < BLOBS_PER_TEMPLATE; b++) {
      double cx = random.nextDouble(low, high);
      double cy = random.nextDouble(low, high);
      double sigma = size * random.nextDouble(MIN_BLOB_FRACTION, MAX_BLOB_FRACTION);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
          t[y * size + x] = Math.max(t[y * size + x], Math.exp(-d2 / (2 * sigma * sigma)));
        }
      }
    }
    double width = size * STROKE_FRACTION;
    for (int s = 0; s < STROKES_PER_TEMPLATE; s++) {
      double x0 = random.nextDouble(low, high);
      double y0 = random.nextDouble(low, high);
      double x1 = random.nextDouble(low, high);
      double y1 = random.nextDouble(low, high);
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          double d2 = squaredDistanceToSegment(x, y, x0, y0, x1, y1);
          t[y * size + x] = Math.max(t[y * size + x], Math.exp(-d2 / (2 * width * width)));
        }
      }
    }
    return t;
  }

  private static double squaredDistanceToSegment(
      double px, double py, double x0, double y0, double x1, double y1) {
    double vx = x1 - x0;
    double vy = y1 - y0;
    double length2 = vx * vx + vy * vy;
    double along = length2 == 0 ? 0 : ((px - x0) * vx + (py - y0) * vy) / length2;
    double clamped = Math.max(0, Math.min(1, along));
    double dx = px - (x0 + clamped * vx);
    double dy = py - (y0 + clamped * vy);
    return dx * dx + dy * dy;
  }

  /** {@code perSubclass} copies of each sub-class id, in a seeded random order. */
  private static int[] shuffledFineLabels(
      int subclasses, int perSubclass, SplittableRandom random) {
    int[] fine = new int[subclasses * perSubclass];
    for (int i = 0; i < fine.length; i++) {
      fine[i] = i / perSubclass;
    }
    for (int i = fine.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = fine[i];
      fine[i] = fine[j];
      fine[j] = swap;
    }
    return fine;
  }

  private static int[] coarse(int[] fine, int subclassesPerClass) {
    int[] labels = new int[fine.length];
    for (int i = 0; i < fine.length; i++) {
      labels[i] = fine[i] / subclassesPerClass;
    }
    return labels;
  }

  private static List<String> classNames(int classes) {
    List<String> names = new ArrayList<>(classes);
    for (int c = 0; c < classes; c++) {
      names.add("class-" + c);
    }
    return names;
  }

  /** Checks the counts and returns the number of examples. */
  private static int checkedSize(
      int classes, int subclassesPerClass, int perSubclass, long valuesPerExample) {
    requireAtLeast("classes", classes, MIN_CLASSES);
    requireAtLeast("subclassesPerClass", subclassesPerClass, 1);
    requireAtLeast("perSubclass", perSubclass, 1);
    // In double: the product of four ints can overflow a long, never a double's range.
    double values = (double) classes * subclassesPerClass * perSubclass * valuesPerExample;
    if (values > MAX_VALUES) {
      throw new IllegalArgumentException(
          "data set must fit in one float array of at most " + MAX_VALUES + " values; values="
              + String.format("%.0f", values));
    }
    return classes * subclassesPerClass * perSubclass;
  }

  private static void requireAtLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(
          name + " must be >= " + min + "; " + name + "=" + value);
    }
  }
}
