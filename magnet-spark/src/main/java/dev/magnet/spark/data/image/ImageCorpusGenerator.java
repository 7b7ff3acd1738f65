package dev.magnet.spark.data.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * Writes an image corpus as a folder tree {@code root/<class>/<file>} from 28x28 grey images
 * (Fashion-MNIST in practice), for tests and benchmarks of everything that reads image files: as
 * 28x28 grey PNG files ({@link Format#PNG28}) or as 96x96 colour JPEG files ({@link Format#JPEG96}),
 * with a few damaged files among them ({@link Damage}: empty, truncated, not an image).
 *
 * <p>File {@code i} (0-based, over all folders) shows source image {@code i mod n}; passes over the
 * source after the first are mirrored (odd passes) and shifted right by {@code pass / 2} pixels,
 * so that a 100,000-file corpus from 70,000 images has no two identical files. The damaged files
 * come last, {@code damaged-<k>.<ext>}, spread over the class folders; their kinds cycle through
 * {@link Damage}'s order. The same arguments give the same bytes.
 */
public final class ImageCorpusGenerator {
  /** The source images' side. */
  static final int SOURCE_SIDE = 28;
  /** The largest corpus written: a benchmark's scale, not a data set's. */
  public static final int MAX_FILES = 1_000_000;

  private ImageCorpusGenerator() {}

  /** What the files hold. */
  public enum Format {
    /** 28x28 grey PNG, the source pixels exactly. */
    PNG28("png", "png", 28),
    /** 96x96 RGB JPEG (ImageIO's default quality 0.75): the source scaled up bilinearly and tinted by class. */
    JPEG96("jpeg", "jpg", 96);

    private final String imageIoName;
    private final String extension;
    private final int side;

    Format(String imageIoName, String extension, int side) {
      this.imageIoName = imageIoName;
      this.extension = extension;
      this.side = side;
    }

    /** The file name extension, without the dot. */
    public String extension() {
      return extension;
    }

    /** The images' width and height. */
    public int side() {
      return side;
    }

    /** Channels of the images: 1 for grey, 3 for colour. */
    public int channels() {
      return this == PNG28 ? 1 : 3;
    }
  }

  /** The kinds of damaged file, in the order they are written. */
  public enum Damage {
    /** Zero bytes. */
    EMPTY,
    /** The first half of a real image file of the corpus's format. */
    TRUNCATED,
    /** A line of text. */
    NOT_AN_IMAGE
  }

  /**
   * What to write.
   *
   * @param format the file format
   * @param files files in all, damaged ones included (1 to {@link #MAX_FILES})
   * @param damaged how many of them are damaged (0 to {@code files})
   */
  public record Spec(Format format, int files, int damaged) {
    public Spec {
      Objects.requireNonNull(format, "format");
      if (files < 1 || files > MAX_FILES) {
        throw new IllegalArgumentException("files must be in [1, " + MAX_FILES + "]; files=" + files);
      }
      if (damaged < 0 || damaged > files) {
        throw new IllegalArgumentException("damaged must be in [0, files]; damaged=" + damaged + " files=" + files);
      }
    }

    /** The good images. */
    public int images() {
      return files - damaged;
    }

    /** The damaged files of each kind. */
    public Map<Damage, Integer> damagedByKind() {
      Map<Damage, Integer> counts = new EnumMap<>(Damage.class);
      for (int k = 0; k < damaged; k++) {
        counts.merge(Damage.values()[k % Damage.values().length], 1, Integer::sum);
      }
      return Collections.unmodifiableMap(counts);
    }
  }

  /**
   * The source of the pixels: 28x28 grey images with their classes.
   *
   * @param pixels {@code n * 784} bytes, image after image, row-major
   * @param labels {@code n} class ids
   * @param classFolders the folder of each class id (names safe on every file system)
   */
  public record Source(byte[] pixels, int[] labels, List<String> classFolders) {
    public Source {
      Objects.requireNonNull(pixels, "pixels");
      Objects.requireNonNull(labels, "labels");
      classFolders = List.copyOf(classFolders);
      if (labels.length == 0 || pixels.length != labels.length * SOURCE_SIDE * SOURCE_SIDE) {
        throw new IllegalArgumentException("pixels must hold " + SOURCE_SIDE + "x" + SOURCE_SIDE
            + " bytes per label, and there must be labels; pixels=" + pixels.length + " labels=" + labels.length);
      }
      for (int label : labels) {
        if (label < 0 || label >= classFolders.size()) {
          throw new IllegalArgumentException("labels must be class ids below " + classFolders.size() + "; label="
              + label);
        }
      }
    }

    /** Images in the source. */
    public int size() {
      return labels.length;
    }

    /**
     * A folder name for a class name: lower case, runs of anything but letters and digits
     * replaced by '-' ("T-shirt/top" becomes "t-shirt-top").
     */
    public static String folderName(String className) {
      String name = className.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
      return name.isEmpty() ? "class" : name;
    }
  }

  /**
   * What was written.
   *
   * @param root the corpus's root folder
   * @param images good image files
   * @param damaged damaged files by kind
   * @param bytes bytes in all files
   */
  public record Written(Path root, int images, Map<Damage, Integer> damaged, long bytes) {
    /** Files in all. */
    public int files() {
      return images + damaged.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Writes the corpus under {@code root} (created; it must not exist or be empty), in parallel.
   *
   * @throws IllegalArgumentException when {@code root} exists and is not an empty folder
   */
  public static Written write(Path root, Spec spec, Source source) throws IOException {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(source, "source");
    if (Files.exists(root)) {
      try (var entries = Files.list(root)) {
        if (entries.findAny().isPresent()) {
          throw new IllegalArgumentException("the corpus folder must be new or empty; root=" + root);
        }
      } catch (java.nio.file.NotDirectoryException e) {
        throw new IllegalArgumentException("the corpus folder must be new or empty; root=" + root + " is a file", e);
      }
    }
    for (String folder : source.classFolders()) {
      Files.createDirectories(root.resolve(folder));
    }
    AtomicLong bytes = new AtomicLong();
    try {
      IntStream.range(0, spec.images()).parallel().forEach(i -> {
        int label = source.labels()[i % source.size()];
        Path file = root.resolve(source.classFolders().get(label))
            .resolve(String.format(Locale.ROOT, "%07d.%s", i, spec.format().extension()));
        bytes.addAndGet(writeFile(file, encode(image(source, i, spec.format()), spec.format())));
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    byte[] sample = encode(image(source, 0, spec.format()), spec.format());
    Damage[] kinds = Damage.values();
    for (int k = 0; k < spec.damaged(); k++) {
      Damage kind = kinds[k % kinds.length];
      byte[] content = switch (kind) {
        case EMPTY -> new byte[0];
        case TRUNCATED -> Arrays.copyOf(sample, sample.length / 2);
        case NOT_AN_IMAGE -> ("damaged file " + k + ": not an image\n").getBytes(StandardCharsets.UTF_8);
      };
      String folder = source.classFolders().get(k % source.classFolders().size());
      Path file = root.resolve(folder).resolve("damaged-" + k + "." + spec.format().extension());
      bytes.addAndGet(writeFile(file, content));
    }
    return new Written(root, spec.images(), spec.damagedByKind(), bytes.get());
  }

  private static long writeFile(Path file, byte[] content) {
    try {
      Files.write(file, content);
      return content.length;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** File i's image: source image i mod n, mirrored on odd passes and shifted by pass / 2. */
  static BufferedImage image(Source source, int i, Format format) {
    int n = source.size();
    int pass = i / n;
    int index = i % n;
    int side = SOURCE_SIDE;
    byte[] plane = new byte[side * side];
    int shift = pass / 2;
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int sx = (pass % 2 == 1 ? side - 1 - x : x) - shift;
        sx = Math.floorMod(sx, side);
        plane[y * side + x] = source.pixels()[index * side * side + y * side + sx];
      }
    }
    BufferedImage grey = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setDataElements(0, 0, side, side, plane);
    if (format == Format.PNG28) {
      return grey;
    }
    BufferedImage scaled = new BufferedImage(format.side(), format.side(), BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = scaled.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(grey, 0, 0, format.side(), format.side(), null);
    } finally {
      g.dispose();
    }
    int[] tint = tint(source.labels()[index], source.classFolders().size());
    BufferedImage rgb = new BufferedImage(format.side(), format.side(), BufferedImage.TYPE_INT_RGB);
    byte[] values = new byte[format.side() * format.side()];
    scaled.getRaster().getDataElements(0, 0, format.side(), format.side(), values);
    int[] argb = new int[values.length];
    for (int p = 0; p < values.length; p++) {
      int v = values[p] & 0xFF;
      argb[p] = (v * tint[0] / 255) << 16 | (v * tint[1] / 255) << 8 | (v * tint[2] / 255);
    }
    rgb.setRGB(0, 0, format.side(), format.side(), argb, 0, format.side());
    return rgb;
  }

  /** A class's colour: hues spread evenly around the wheel, full value, saturation 0.6. */
  private static int[] tint(int label, int classes) {
    int rgb = java.awt.Color.HSBtoRGB((float) label / classes, 0.6f, 1f);
    return new int[] {(rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF};
  }

  private static byte[] encode(BufferedImage image, Format format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format.imageIoName, out)) {
        throw new IllegalStateException("ImageIO has no " + format.imageIoName + " writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The class folders of class names ({@link Source#folderName}), refusing two classes that share one. */
  public static List<String> classFolders(List<String> classNames) {
    List<String> folders = new ArrayList<>();
    for (String name : classNames) {
      String folder = Source.folderName(name);
      if (folders.contains(folder)) {
        throw new IllegalArgumentException("class names must give distinct folders; two give " + folder);
      }
      folders.add(folder);
    }
    return folders;
  }
}
