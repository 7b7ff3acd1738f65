package dev.magnet.spark.data;

import dev.magnet.core.data.IdxReader;
import dev.magnet.core.data.LabelledDataset;
import dev.magnet.core.data.SyntheticData;
import dev.magnet.spark.data.LoadReport;
import dev.magnet.spark.data.SparkDatasets;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A data source as the CLI spells it:
 *
 * <ul>
 *   <li>{@code fashion-mnist} / {@code fashion-mnist-test}: the installed training / test split;
 *   <li>{@code idx:<images>,<labels>}: IDX files on any Hadoop file system; classes are named
 *       "0".."C-1" with C the largest label + 1 (a validation set takes the training set's names);
 *   <li>{@code synthetic[:classes=5,sub=3,per=200,size=28|dim=16,seed=42]}: the core's seeded
 *       images ({@code size}) or vectors ({@code dim}) with hidden sub-classes;
 *   <li>{@code images:<root>}: image files in a folder tree {@code root/<class>/<file>} on any
 *       Hadoop file system, decoded once on the executors ({@link ImageDatasets});
 *   <li>{@code parquet:<path>[,features=COL][,image=COL][,label=COL]}: a table with a
 *       {@code features} column (array or ML vector), or else an {@code image} column (encoded
 *       JPEG/PNG bytes, or Spark's image struct), and a {@code label} column (integer or string).
 * </ul>
 *
 * @param kind which source
 * @param text the spelling it was parsed from
 * @param paths the file paths (IDX: images, labels; Parquet: the table; images: the root)
 * @param settings synthetic settings given explicitly, by key
 * @param columns Parquet column names given explicitly, by key ({@code features}, {@code image},
 *     {@code label})
 */
public record DataSource(Kind kind, String text, List<String> paths, Map<String, Integer> settings,
    Map<String, String> columns) {
  /** The sources. */
  public enum Kind { FASHION_MNIST, FASHION_MNIST_TEST, IDX, SYNTHETIC, PARQUET, IMAGES }

  /** Synthetic defaults: 5 classes of 3 sub-classes of 200 images of 28x28, 3,000 examples. */
  static final Map<String, Integer> SYNTHETIC_DEFAULTS = Map.of("classes", 5, "sub", 3, "per", 200, "size", 28);
  /** Separation and noise of synthetic vectors: sub-classes apart, yet overlapping a little. */
  private static final double SYNTHETIC_SEPARATION = 4.0;
  private static final double SYNTHETIC_NOISE = 1.0;
  private static final Set<String> SYNTHETIC_KEYS = Set.of("classes", "sub", "per", "size", "dim", "seed");
  /** The Parquet columns the CLI reads. */
  static final String FEATURES_COLUMN = "features";
  static final String LABEL_COLUMN = "label";
  /** The keys of a Parquet source's column names. */
  static final String FEATURES_KEY = "features";
  static final String IMAGE_KEY = "image";
  static final String LABEL_KEY = "label";
  private static final Set<String> COLUMN_KEYS = Set.of(FEATURES_KEY, IMAGE_KEY, LABEL_KEY);
  /** The prefix of an image folder. */
  public static final String IMAGES_PREFIX = "images:";

  public DataSource {
    paths = List.copyOf(paths);
    settings = Map.copyOf(settings);
    columns = Map.copyOf(columns);
  }

  private DataSource(Kind kind, String text, List<String> paths, Map<String, Integer> settings) {
    this(kind, text, paths, settings, Map.of());
  }

  /** Parses the CLI spelling; {@link IllegalArgumentException} saying what is wrong. */
  public static DataSource parse(String text) {
    if (text.equals("fashion-mnist")) {
      return new DataSource(Kind.FASHION_MNIST, text, List.of(), Map.of());
    }
    if (text.equals("fashion-mnist-test")) {
      return new DataSource(Kind.FASHION_MNIST_TEST, text, List.of(), Map.of());
    }
    if (text.startsWith("idx:")) {
      String[] parts = text.substring(4).split(",", -1);
      if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
        throw new IllegalArgumentException("idx data must be idx:<imagesPath>,<labelsPath>; data=" + text);
      }
      return new DataSource(Kind.IDX, text, List.of(parts[0], parts[1]), Map.of());
    }
    if (text.startsWith("parquet:")) {
      List<String> parts = new ArrayList<>(Arrays.asList(text.substring(8).split(",", -1)));
      Map<String, String> columns = new LinkedHashMap<>();
      // Column names come last; a path may hold commas.
      while (parts.size() > 1 && parts.get(parts.size() - 1).matches("[a-z]+=.*")) {
        String[] kv = parts.remove(parts.size() - 1).split("=", 2);
        if (!COLUMN_KEYS.contains(kv[0]) || kv[1].isBlank() || columns.put(kv[0], kv[1]) != null) {
          throw new IllegalArgumentException("parquet column names must be given once each as key=COLUMN with keys "
              + new TreeSet<>(COLUMN_KEYS) + "; setting=" + kv[0] + "=" + kv[1] + " in data=" + text);
        }
      }
      String path = String.join(",", parts);
      if (path.isBlank()) {
        throw new IllegalArgumentException("parquet data must be parquet:<path>[,features=COL|image=COL][,label=COL];"
            + " data=" + text);
      }
      if (columns.containsKey(FEATURES_KEY) && columns.containsKey(IMAGE_KEY)) {
        throw new IllegalArgumentException("a parquet table is read as vectors (features=) or images (image=), not both;"
            + " data=" + text);
      }
      return new DataSource(Kind.PARQUET, text, List.of(path), Map.of(), columns);
    }
    if (text.startsWith(IMAGES_PREFIX)) {
      String root = text.substring(IMAGES_PREFIX.length());
      if (root.isBlank()) {
        throw new IllegalArgumentException("image data must be images:<root>; data=" + text);
      }
      return new DataSource(Kind.IMAGES, text, List.of(root), Map.of());
    }
    if (text.equals("synthetic") || text.startsWith("synthetic:")) {
      return new DataSource(Kind.SYNTHETIC, text, List.of(), syntheticSettings(text));
    }
    throw new IllegalArgumentException("data must be fashion-mnist, fashion-mnist-test, idx:<images>,<labels>,"
        + " synthetic[:key=value,...], parquet:<path> or images:<root>; data=" + text);
  }

  private static Map<String, Integer> syntheticSettings(String text) {
    Map<String, Integer> settings = new LinkedHashMap<>();
    if (text.length() > "synthetic:".length()) {
      for (String pair : text.substring("synthetic:".length()).split(",")) {
        String[] kv = pair.split("=", 2);
        if (kv.length != 2 || !SYNTHETIC_KEYS.contains(kv[0])) {
          throw new IllegalArgumentException("synthetic settings must be key=value with keys " + new TreeSet<>(SYNTHETIC_KEYS)
              + "; setting=" + pair);
        }
        int value;
        try {
          value = Integer.parseInt(kv[1]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("synthetic settings must be integers; " + pair);
        }
        if (value < 1 && !kv[0].equals("seed")) {
          throw new IllegalArgumentException("synthetic settings must be positive; " + pair);
        }
        settings.put(kv[0], value);
      }
    }
    if (settings.containsKey("size") && settings.containsKey("dim")) {
      throw new IllegalArgumentException("synthetic data is images (size=) or vectors (dim=), not both; data=" + text);
    }
    return settings;
  }

  /** A synthetic setting other than the seed, or its default. */
  public int synthetic(String key) {
    return settings.getOrDefault(key, SYNTHETIC_DEFAULTS.get(key));
  }

  /** The synthetic data set of this spec with {@code per} examples per sub-class. */
  public LabelledDataset generate(int per, long defaultSeed) {
    long seed = settings.containsKey("seed") ? settings.get("seed") : defaultSeed;
    return settings.containsKey("dim")
        ? SyntheticData.vectors(synthetic("classes"), synthetic("sub"), per, settings.get("dim"), SYNTHETIC_SEPARATION,
            SYNTHETIC_NOISE, seed)
        : SyntheticData.images(synthetic("classes"), synthetic("sub"), per, synthetic("size"), seed);
  }

  /** Synthetic training data and a validation set held out from the same generation. */
  public record Split(LabelledDataset train, LabelledDataset validation) {}

  /**
   * A synthetic validation set must share the training set's hidden sub-classes, which a second
   * generator call with another seed would not: so one data set of {@code per + validation per}
   * examples per sub-class is generated and its (shuffled) rows split. The validation spec may
   * only set {@code per} (default: a quarter of the training {@code per}, at least 1).
   */
  public static Split heldOut(DataSource train, DataSource validation, long defaultSeed) {
    checkHeldOut(train, validation);
    int perTrain = train.synthetic("per");
    int perValidation = validation.settings().getOrDefault("per", Math.max(1, perTrain / 4));
    LabelledDataset all = train.generate(perTrain + perValidation, defaultSeed);
    int n = all.size() / (perTrain + perValidation) * perTrain;
    return new Split(all.subset(IntStream.range(0, n).toArray()),
        all.subset(IntStream.range(n, all.size()).toArray()));
  }

  /** The argument checks of {@link #heldOut}, to run before anything is loaded. */
  public static void checkHeldOut(DataSource train, DataSource validation) {
    if (train.kind() != Kind.SYNTHETIC) {
      throw new IllegalArgumentException("synthetic validation is held out of synthetic training data; data=" + train);
    }
    if (!Set.of("per").containsAll(validation.settings().keySet())) {
      throw new IllegalArgumentException("synthetic validation takes only per=, the rest comes from --data; validation="
          + validation);
    }
  }

  /** Whether the source is image files (a folder, or a table that may hold encoded images). */
  public boolean mayHoldImageFiles() {
    return kind == Kind.IMAGES || kind == Kind.PARQUET && !columns.containsKey(FEATURES_KEY);
  }

  /**
   * Loads the data, image files with the sizes and channels they infer ({@link ImageLoading#INFERRED}).
   *
   * @param limit most examples, or {@link IdxReader#ALL}
   * @param labelNames the classes to map the labels onto (a model's, or the training set's for
   *     validation data): IDX and Parquet integer labels are class ids, Parquet string labels are
   *     matched by name; or null for the data's own
   */
  public LoadReport load(SparkSession session, int limit, long defaultSeed, List<String> labelNames) throws IOException {
    return load(session, limit, defaultSeed, labelNames, ImageLoading.INFERRED);
  }

  /**
   * Loads the data.
   *
   * @param limit most examples, or {@link IdxReader#ALL}
   * @param labelNames the class names to use for IDX data (and to match image classes by name), or
   *     null to number them (image classes: their sorted names)
   * @param images how image files become examples; other data ignores it
   */
  public LoadReport load(SparkSession session, int limit, long defaultSeed, List<String> labelNames,
      ImageLoading images) throws IOException {
    JavaSparkContext spark = JavaSparkContext.fromSparkContext(session.sparkContext());
    if (images.labels() != null && kind != Kind.IMAGES) {
      throw new IllegalArgumentException("--labels names the classes of image folders (images:); data=" + this);
    }
    if (kind == Kind.PARQUET && ImageDatasets.isImageTable(session.read().parquet(paths.get(0)).schema(), columns)) {
      return ImageDatasets.table(session, paths.get(0), columns.getOrDefault(IMAGE_KEY, ImageDatasets.IMAGE_COLUMN),
          columns.getOrDefault(LABEL_KEY, LABEL_COLUMN), images, labelNames);
    }
    if (kind != Kind.IMAGES && images.preprocessing() == null && (images.size() != null || images.channels() != null)) {
      throw new IllegalArgumentException("--image-size and --channels apply to image files (images:, or parquet: of"
          + " encoded images); data=" + this);
    }
    return switch (kind) {
      case FASHION_MNIST -> new LoadReport(SparkDatasets.fashionMnist(spark, true, limit), 0);
      case FASHION_MNIST_TEST -> new LoadReport(SparkDatasets.fashionMnist(spark, false, limit), 0);
      case IDX -> new LoadReport(SparkDatasets.idx(spark, paths.get(0), paths.get(1),
          labelNames != null ? labelNames : numberedLabels(paths.get(1), spark.hadoopConfiguration(), limit), limit), 0);
      case SYNTHETIC -> new LoadReport(SparkDatasets.synthetic(spark, first(generate(synthetic("per"), defaultSeed),
          limit)), 0);
      case PARQUET -> SparkDatasets.parquetVectors(session, paths.get(0),
          columns.getOrDefault(FEATURES_KEY, FEATURES_COLUMN), columns.getOrDefault(LABEL_KEY, LABEL_COLUMN), labelNames);
      case IMAGES -> ImageDatasets.folder(session, paths.get(0), limit, images, labelNames);
    };
  }

  /**
   * The examples to read of each source: {@code --limit}, or {@link IdxReader#ALL} without it.
   *
   * @param sources the data sources given (nulls ignored); a limit on a Parquet table is refused
   */
  public static int rowLimit(Integer limit, DataSource... sources) {
    if (limit == null) {
      return IdxReader.ALL;
    }
    if (limit < 1) {
      throw new IllegalArgumentException("--limit must be positive; limit=" + limit);
    }
    for (DataSource source : sources) {
      if (source != null && source.kind() == Kind.PARQUET) {
        throw new IllegalArgumentException("--limit applies to IDX, Fashion-MNIST, synthetic data and image folders;"
            + " data=" + source);
      }
    }
    return limit;
  }

  /** The first {@code limit} examples. */
  public static LabelledDataset first(LabelledDataset data, int limit) {
    return limit >= data.size() ? data : data.subset(IntStream.range(0, limit).toArray());
  }

  /** "0".."C-1" with C the largest label among the first {@code limit} + 1. */
  private static List<String> numberedLabels(String labelsPath, Configuration conf, int limit) throws IOException {
    Path file = new Path(labelsPath);
    FileSystem fs = file.getFileSystem(conf);
    if (!fs.exists(file)) {
      throw new FileNotFoundException("IDX file not found: " + fs.makeQualified(file));
    }
    int[] labels;
    try (InputStream in = fs.open(file)) {
      labels = IdxReader.readLabels(in, labelsPath, limit);
    }
    int classes = Arrays.stream(labels).max().orElse(0) + 1;
    List<String> names = new ArrayList<>(classes);
    for (int c = 0; c < classes; c++) {
      names.add(Integer.toString(c));
    }
    return names;
  }

  @Override
  public String toString() {
    return text;
  }

}
