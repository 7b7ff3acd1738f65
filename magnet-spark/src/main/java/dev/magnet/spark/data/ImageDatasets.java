package dev.magnet.spark.data;

import dev.magnet.core.data.IdxReader;
import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.spark.data.image.DecodeResult;
import dev.magnet.spark.data.image.DecodedImage;
import dev.magnet.spark.data.image.ImageDecoder;
import dev.magnet.spark.data.image.ImageFiles;
import dev.magnet.spark.data.image.RejectReason;
import dev.magnet.spark.data.image.RejectedFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Image files as training, validation or evaluation data (docs/design.md, "Image files"): an
 * {@code images:} folder tree {@code root/<class>/<file>} on any Hadoop file system, or a Parquet
 * table of encoded images (JPEG/PNG bytes) or of Spark's {@code image} source structs.
 *
 * <p><b>Decoded once, on the executors.</b> The driver lists the files ({@link ImageFiles}: path,
 * size, time) and names each file's class (its folder, or its row of {@code --labels}); the
 * executors read and decode the files with the one decoder ({@link ImageDecoder}) into 8-bit
 * planes of the model's input, which are cached ({@code MEMORY_AND_DISK}) as the data set's
 * {@link Example}s. Epochs, index refreshes and validation read that cache; no pixel reaches the
 * driver and nothing is decoded twice. Each input becomes exactly one example or one
 * {@link RejectedFile} (undecodable, empty, not an image, over the pixel limit, gone since the
 * listing, without a class, or of a class the model does not have), which the driver collects
 * (a path and a reason each) for the rejects table.
 *
 * <p><b>Size and channels</b> not given are read off the headers of up to {@link #SAMPLED_HEADERS}
 * inputs spread over the data: one channel when every sampled image is grey, else three; the most
 * common size when neither side exceeds {@link #OWN_SIZE_MAX_SIDE} (small images, Fashion-MNIST's
 * 28x28 or CIFAR's 32x32, are trained at their own size), else
 * {@link #DEFAULT_SIDE}x{@link #DEFAULT_SIDE}. Images of any other size are resized to it, never
 * cropped.
 *
 * <p><b>Classes</b> are named by the first folder below the root (as {@code embed} reads them), or
 * by the {@code label} of the file's row in a {@code --labels} CSV (columns {@code path,label};
 * a path relative to the root or absolute); in the sorted order of the names, as torchvision's
 * {@code ImageFolder}. Validation and evaluation data take the training data's or the model's names
 * and match them by name.
 */
public final class ImageDatasets {
  /** Headers read to infer the size and channels: enough to find the common size, a moment's reading. */
  static final int SAMPLED_HEADERS = 256;
  /** Images whose common size is at most this on both sides are trained at their own size. */
  static final int OWN_SIZE_MAX_SIDE = 64;
  /** The side larger images are resized to by default: the small ResNet's size on a CPU. */
  static final int DEFAULT_SIDE = 64;
  /** Splits per core at least, so that the decode balances over the cores. */
  private static final int SPLITS_PER_CORE = 4;
  /** Files per split at least: a task's overhead stays small against its decodes. */
  private static final int MIN_SPLIT_FILES = 256;
  /** The default column of encoded images or image structs in a Parquet table. */
  public static final String IMAGE_COLUMN = "image";
  /** A Parquet table's optional column naming each row's file, for the rejects table (Spark's {@code binaryFile} has it). */
  static final String PATH_COLUMN = "path";
  /** The columns of a {@code --labels} CSV. */
  static final String LABELS_PATH = "path";
  static final String LABELS_LABEL = "label";

  private ImageDatasets() {}

  /**
   * The images of a folder tree.
   *
   * @param limit the most files to read: that many spread evenly over the sorted listing (so every
   *     class keeps its share), or {@link IdxReader#ALL}
   * @param labelNames the classes to match by name (validation, evaluation), or null to take the
   *     folders' (or labels') sorted names
   * @throws FileNotFoundException naming a missing root
   * @throws IllegalArgumentException when the root holds no files, or no two classes
   */
  public static LoadReport folder(SparkSession session, String root, int limit, ImageLoading how,
      List<String> labelNames) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
    Configuration conf = jsc.hadoopConfiguration();
    ImageFiles listed = ImageFiles.list(root, conf);
    if (listed.size() == 0) {
      throw new IllegalArgumentException("no image files under " + qualified(root, conf));
    }
    ImageFiles files = limit == IdxReader.ALL || limit >= listed.size() ? listed : spread(listed, limit);
    String[] classes = how.labels() == null ? folderClasses(files) : csvClasses(session, how.labels(), files);
    List<String> names = labelNames != null ? labelNames : sortedNames(classes, root, how.labels());
    // Not destroyed: a cached partition lost with its executor is decoded again from the files.
    Broadcast<SerializableConfiguration> hadoop = jsc.broadcast(new SerializableConfiguration(conf));
    ImagePreprocessing preprocessing = how.preprocessing() != null ? how.preprocessing()
        : infer(how, sampleHeaders(jsc, files, hadoop));
    int minSplits = Math.max(1, Math.min(SPLITS_PER_CORE * jsc.defaultParallelism(), files.size() / MIN_SPLIT_FILES));
    List<FileSplit> splits = new ArrayList<>();
    for (ImageFiles.Split split : files.splits(minSplits, 0)) {
      splits.add(new FileSplit(split, classes));
    }
    HashMap<String, Integer> ids = index(names);
    JavaRDD<Decoded> decoded = jsc.parallelize(splits, splits.size())
        .flatMap(split -> split.decode(preprocessing, ids, hadoop.value().value()).iterator());
    String description = "images " + root + " (" + files.size() + " files" + (how.labels() == null ? ""
        : ", labels " + how.labels()) + ")";
    return finish(decoded, names, preprocessing, description, root);
  }

  /** Whether a Parquet table holds images: an image column, named or the default, and no features column. */
  static boolean isImageTable(StructType schema, Map<String, String> columns) {
    if (columns.containsKey(DataSource.IMAGE_KEY)) {
      return true;
    }
    boolean features = List.of(schema.fieldNames()).contains(columns.getOrDefault(DataSource.FEATURES_KEY,
        DataSource.FEATURES_COLUMN));
    return !features && List.of(schema.fieldNames()).contains(IMAGE_COLUMN);
  }

  /**
   * The images of a Parquet table: a {@code binary} column of encoded files, or the struct of
   * Spark's {@code image} source; the label an integer (class ids) or a string (class names).
   * Rows are named in the rejects table by a {@code path} column when the table has one, else by
   * the struct's {@code origin}, else by the table and a row id.
   *
   * @throws IllegalArgumentException naming a column that is missing or of another type
   */
  public static LoadReport table(SparkSession session, String path, String imageCol, String labelCol,
      ImageLoading how, List<String> labelNames) {
    if (how.labels() != null) {
      throw new IllegalArgumentException("--labels names the classes of image folders; a table has its label column;"
          + " data=parquet:" + path);
    }
    Dataset<Row> table = session.read().parquet(path);
    StructType schema = table.schema();
    DataType imageType = Columns.column(schema, imageCol).dataType();
    boolean encoded = imageType.equals(DataTypes.BinaryType);
    if (!encoded && !(imageType instanceof StructType s && isSparkImage(s))) {
      throw new IllegalArgumentException("Column " + imageCol + " must be of type binary (encoded JPEG or PNG) or"
          + " struct<origin:string,height:int,width:int,nChannels:int,mode:int,data:binary> (Spark's image source) but"
          + " was actually " + imageType.catalogString() + ".");
    }
    boolean integral = Columns.integralLabels(schema, labelCol);
    List<String> names = labelNames != null ? labelNames : integral
        ? SparkDatasets.integerLabelNames(table, labelCol, path) : SparkDatasets.stringLabelNames(table, labelCol);
    boolean hasPath = List.of(schema.fieldNames()).contains(PATH_COLUMN)
        && schema.apply(PATH_COLUMN).dataType().equals(DataTypes.StringType);
    Dataset<Row> rows = table.select(imageCol, labelCol, hasPath ? PATH_COLUMN : imageCol);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
    ImagePreprocessing preprocessing = how.preprocessing() != null ? how.preprocessing()
        : infer(how, rows.limit(SAMPLED_HEADERS).toJavaRDD().map(r -> r.isNullAt(0) ? null
            : encoded ? ImageDecoder.header((byte[]) r.get(0)) : structHeader(r.getStruct(0))).collect());
    HashMap<String, Integer> ids = index(names);
    TableRow reader = new TableRow(path, encoded, integral, hasPath);
    JavaRDD<Decoded> decoded = rows.toJavaRDD().zipWithUniqueId()
        .map(t -> reader.decode(t._1(), t._2(), preprocessing, ids));
    String description = "parquet " + path + " image=" + imageCol + " label=" + labelCol;
    return finish(decoded, names, preprocessing, description, "parquet:" + path);
  }

  /** One input's outcome: its example, or why it has none (one of the two is null). */
  record Decoded(Example example, RejectedFile rejected) implements Serializable {
    static Decoded of(Example example) {
      return new Decoded(example, null);
    }

    static Decoded of(RejectedFile rejected) {
      return new Decoded(null, rejected);
    }

    /** The count key of this outcome: the class id, or -1 - the reason's ordinal. */
    int key() {
      return example != null ? example.label() : -1 - rejected.reason().ordinal();
    }
  }

  /**
   * Caches the decoded inputs, counts them (the one job that reads and decodes), collects the
   * rejected ones, and keeps the examples cached for the run; the outcomes' cache is dropped once
   * the examples' holds them (it shares their pixel arrays meanwhile).
   */
  private static LoadReport finish(JavaRDD<Decoded> decoded, List<String> names, ImagePreprocessing preprocessing,
      String description, String source) {
    long start = System.nanoTime();
    decoded.persist(StorageLevel.MEMORY_AND_DISK());
    Map<Integer, Long> counts = decoded.map(Decoded::key).countByValue();
    double seconds = (System.nanoTime() - start) / 1e9;
    long rejected = counts.entrySet().stream().filter(e -> e.getKey() < 0).mapToLong(Map.Entry::getValue).sum();
    List<RejectedFile> rejects = rejected == 0 ? List.of()
        : decoded.filter(d -> d.rejected() != null).map(Decoded::rejected).collect();
    JavaRDD<Example> examples = decoded.filter(d -> d.example() != null).map(Decoded::example)
        .persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Long> classCounts = new LinkedHashMap<>();
    long usable = 0;
    for (int c = 0; c < names.size(); c++) {
      long n = counts.getOrDefault(c, 0L);
      classCounts.put(names.get(c), n);
      usable += n;
    }
    long total = usable + rejected;
    if (usable == 0) {
      decoded.unpersist(false);
      examples.unpersist(false);
      throw new IllegalArgumentException("no usable images in " + source + ": all " + total + " inputs were rejected ("
          + new ImageReport(source, total, rejects, classCounts, seconds).rejectedByReason() + "), e.g. "
          + rejects.stream().limit(3).map(RejectedFile::toString).collect(Collectors.joining("; ")));
    }
    long cached = examples.count();
    assert cached == usable : "the cached examples differ from the decoded count: " + cached + "!=" + usable;
    decoded.unpersist(false);
    SparkDataset dataset = new SparkDataset(examples, names, preprocessing.shape(), preprocessing, description
        + " as " + preprocessing.channels() + "x" + preprocessing.height() + "x" + preprocessing.width());
    return new LoadReport(dataset, 0, new ImageReport(source, total, rejects, classCounts, seconds));
  }

  /** A split of the listing with each file's class name (null: none), decoded on an executor. */
  static final class FileSplit implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ImageFiles.Split files;
    private final String[] classes;

    FileSplit(ImageFiles.Split files, String[] allClasses) {
      this.files = files;
      this.classes = new String[files.size()];
      for (int i = 0; i < files.size(); i++) {
        this.classes[i] = allClasses[(int) files.id(i)];
      }
    }

    List<Decoded> decode(ImagePreprocessing preprocessing, Map<String, Integer> ids, Configuration conf) {
      List<Decoded> out = new ArrayList<>(files.size());
      for (int i = 0; i < files.size(); i++) {
        String path = files.path(i);
        Long size = files.fileSize(i);
        Long modified = files.modified(i);
        String name = classes[i];
        Integer label = name == null ? null : ids.get(name);
        if (name == null) {
          out.add(Decoded.of(new RejectedFile(path, RejectReason.UNLABELLED,
              "the file has no class: it is in no class folder below the root, or not in --labels", size, modified)));
          continue;
        }
        if (label == null) {
          out.add(Decoded.of(new RejectedFile(path, RejectReason.UNKNOWN_CLASS, "its class " + name
              + " is none of the training data's (or the model's) classes", size, modified)));
          continue;
        }
        DecodeResult result = ImageFiles.decode(path, size, conf, preprocessing);
        out.add(result instanceof DecodedImage image
            ? Decoded.of(new Example(files.id(i), label, -1, FeatureEncoding.UINT8, image.pixels()))
            : Decoded.of(rejection(path, (DecodeResult.Rejected) result, size, modified)));
      }
      return out;
    }
  }

  /**
   * How a row of an image table becomes an outcome.
   *
   * @param table the table's location, which names a row that has no path
   * @param encoded the image column holds encoded files' bytes (else Spark's image struct)
   * @param integral the label column holds class ids (else class names)
   * @param hasPath the table has a path column
   */
  record TableRow(String table, boolean encoded, boolean integral, boolean hasPath) implements Serializable {
    Decoded decode(Row row, long id, ImagePreprocessing preprocessing, Map<String, Integer> ids) {
      Row struct = encoded || row.isNullAt(0) ? null : row.getStruct(0);
      String where = hasPath && !row.isNullAt(2) ? row.getString(2)
          : struct != null && hasField(struct, "origin") && !struct.isNullAt(struct.fieldIndex("origin"))
              ? struct.getString(struct.fieldIndex("origin")) : table + "#row-" + id;
      Long size = encoded && !row.isNullAt(0) ? (long) ((byte[]) row.get(0)).length : null;
      if (row.isNullAt(1)) {
        return Decoded.of(new RejectedFile(where, RejectReason.UNLABELLED, "the row's label is null", size, null));
      }
      Integer label = integral ? classId(((Number) row.get(1)).longValue(), ids.size()) : ids.get(row.getString(1));
      if (label == null) {
        return Decoded.of(new RejectedFile(where, RejectReason.UNKNOWN_CLASS, "its label " + row.get(1)
            + " is none of the training data's (or the model's) classes", size, null));
      }
      if (row.isNullAt(0)) {
        return Decoded.of(new RejectedFile(where, RejectReason.EMPTY, "the row's image is null", null, null));
      }
      DecodeResult result;
      if (encoded) {
        result = ImageDecoder.decode((byte[]) row.get(0), preprocessing);
      } else {
        result = fromStruct(struct, preprocessing);
      }
      return result instanceof DecodedImage image
          ? Decoded.of(new Example(id, label, -1, FeatureEncoding.UINT8, image.pixels()))
          : Decoded.of(rejection(where, (DecodeResult.Rejected) result, size, null));
    }

    private static Integer classId(long value, int classes) {
      return value >= 0 && value < classes ? (int) value : null;
    }
  }

  /** An image struct's pixels, or why it has none (Spark's source marks what it could not decode with -1 sides). */
  static DecodeResult fromStruct(Row struct, ImagePreprocessing preprocessing) {
    int h = struct.getInt(struct.fieldIndex("height"));
    int w = struct.getInt(struct.fieldIndex("width"));
    int c = struct.getInt(struct.fieldIndex("nChannels"));
    int data = struct.fieldIndex("data");
    byte[] bytes = struct.isNullAt(data) ? null : (byte[]) struct.get(data);
    if (h < 1 || w < 1 || bytes == null || bytes.length == 0) {
      return new DecodeResult.Rejected(RejectReason.CORRUPT, "Spark's image source could not decode it (height=" + h
          + " width=" + w + " nChannels=" + c + ")");
    }
    if (c != 1 && c != 3 && c != 4 || bytes.length != (long) h * w * c) {
      return new DecodeResult.Rejected(RejectReason.CORRUPT, "an image struct must hold height*width*nChannels bytes"
          + " of 1, 3 or 4 channels; " + bytes.length + " bytes for " + h + "x" + w + "x" + c);
    }
    return ImageDecoder.fromInterleaved(bytes, h, w, c, preprocessing);
  }

  private static ImageDecoder.Header structHeader(Row struct) {
    int h = struct.getInt(struct.fieldIndex("height"));
    int w = struct.getInt(struct.fieldIndex("width"));
    int c = struct.getInt(struct.fieldIndex("nChannels"));
    return h < 1 || w < 1 ? null : new ImageDecoder.Header(w, h, c != 1);
  }

  /** Whether a struct is the schema of Spark's {@code image} source (the fields Magnet reads). */
  public static boolean isSparkImage(StructType s) {
    return has(s, "height", DataTypes.IntegerType) && has(s, "width", DataTypes.IntegerType)
        && has(s, "nChannels", DataTypes.IntegerType) && has(s, "data", DataTypes.BinaryType);
  }

  private static boolean has(StructType s, String field, DataType type) {
    for (StructField f : s.fields()) {
      if (f.name().equals(field)) {
        return f.dataType().equals(type);
      }
    }
    return false;
  }

  private static boolean hasField(Row struct, String name) {
    return struct.schema() != null && List.of(struct.schema().fieldNames()).contains(name);
  }

  private static RejectedFile rejection(String path, DecodeResult.Rejected rejected, Long size, Long modified) {
    return new RejectedFile(path, rejected.reason(), rejected.detail(), size, modified);
  }

  /**
   * The preprocessing the options give, with what they leave open inferred from the sampled
   * headers (see the class comment).
   */
  static ImagePreprocessing infer(ImageLoading how, List<ImageDecoder.Header> sampled) {
    List<ImageDecoder.Header> headers = sampled.stream().filter(Objects::nonNull).toList();
    int channels = how.channels() != null ? how.channels()
        : !headers.isEmpty() && headers.stream().noneMatch(ImageDecoder.Header::colour) ? 1 : 3;
    ImageSize size = how.size();
    if (size == null) {
      Map<ImageSize, Long> bySize = headers.stream().collect(Collectors.groupingBy(
          header -> new ImageSize(Math.min(header.height(), ImagePreprocessing.MAX_SIDE),
              Math.min(header.width(), ImagePreprocessing.MAX_SIDE)), Collectors.counting()));
      ImageSize common = bySize.entrySet().stream()
          .max(Map.Entry.<ImageSize, Long>comparingByValue()
              .thenComparing(e -> -(long) e.getKey().height() * e.getKey().width()))
          .map(Map.Entry::getKey).orElse(null);
      size = common != null && common.height() <= OWN_SIZE_MAX_SIDE && common.width() <= OWN_SIZE_MAX_SIDE ? common
          : new ImageSize(DEFAULT_SIDE, DEFAULT_SIDE);
    }
    return ImagePreprocessing.of(channels, size.height(), size.width());
  }

  /** The headers of up to {@link #SAMPLED_HEADERS} files spread over the listing, read on the executors. */
  private static List<ImageDecoder.Header> sampleHeaders(JavaSparkContext jsc, ImageFiles files,
      Broadcast<SerializableConfiguration> hadoop) {
    int n = Math.min(SAMPLED_HEADERS, files.size());
    List<String> paths = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      paths.add(files.path((int) ((long) i * files.size() / n)));
    }
    return jsc.parallelize(paths, Math.max(1, Math.min(n, jsc.defaultParallelism()))).map(path -> {
      byte[] bytes = ImageFiles.contents(path, 0, hadoop.value().value()).bytes();
      return bytes == null ? null : ImageDecoder.header(bytes);
    }).collect();
  }

  /** {@code limit} files spread evenly over the sorted listing. */
  private static ImageFiles spread(ImageFiles files, int limit) {
    boolean[] keep = new boolean[files.size()];
    for (int i = 0; i < limit; i++) {
      keep[(int) ((long) i * files.size() / limit)] = true;
    }
    return files.filter(i -> keep[i]);
  }

  /** Each file's class folder (null for a file directly in the root), one String instance per class. */
  private static String[] folderClasses(ImageFiles files) {
    Map<String, String> interned = new HashMap<>();
    String[] classes = new String[files.size()];
    for (int i = 0; i < classes.length; i++) {
      String folder = ImageFiles.folderOf(files.path(i), files.root());
      classes[i] = folder == null ? null : interned.computeIfAbsent(folder, f -> f);
    }
    return classes;
  }

  /**
   * Each file's label in the {@code --labels} CSV (null for a file it does not list), one String
   * instance per class. The CSV is read with Spark's reader (quotes, any Hadoop path) and collected:
   * a path and a label per labelled file, as the listing holds a path per file.
   */
  private static String[] csvClasses(SparkSession session, String csv, ImageFiles files) {
    Dataset<Row> table = session.read().option("header", "true").csv(csv);
    List<String> columns = List.of(table.columns());
    if (!columns.contains(LABELS_PATH) || !columns.contains(LABELS_LABEL)) {
      throw new IllegalArgumentException("--labels must be a CSV with the header " + LABELS_PATH + "," + LABELS_LABEL
          + "; columns=" + columns + " in " + csv);
    }
    Map<String, String> interned = new HashMap<>();
    Map<String, String> byPath = new HashMap<>();
    for (Row row : table.select(LABELS_PATH, LABELS_LABEL).collectAsList()) {
      if (row.isNullAt(0) || row.isNullAt(1) || row.getString(0).isBlank() || row.getString(1).isBlank()) {
        throw new IllegalArgumentException("--labels must give a path and a label on every row; row=" + row + " in "
            + csv);
      }
      String label = interned.computeIfAbsent(row.getString(1).strip(), l -> l);
      String key = key(row.getString(0).strip(), files.root());
      String before = byPath.put(key, label);
      if (before != null && !before.equals(label)) {
        throw new IllegalArgumentException("--labels gives a file two labels: " + key + " is " + before + " and "
            + label + " in " + csv);
      }
    }
    String[] classes = new String[files.size()];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = byPath.get(new Path(files.path(i)).toUri().getPath());
    }
    return classes;
  }

  /** A CSV path as the path part of a listed file's URI: absolute as it is, relative against the root. */
  static String key(String path, String root) {
    Path p = new Path(path);
    return (p.isAbsolute() || p.toUri().getScheme() != null ? p : new Path(root, path)).toUri().getPath();
  }

  private static List<String> sortedNames(String[] classes, String root, String labels) {
    TreeSet<String> names = new TreeSet<>();
    for (String c : classes) {
      if (c != null) {
        names.add(c);
      }
    }
    if (names.size() < 2) {
      throw new IllegalArgumentException("image data needs at least 2 classes: " + (labels == null
          ? "folders below the root, root/<class>/<file>" : "labels in " + labels) + "; classes=" + names + " under "
          + root);
    }
    return List.copyOf(names);
  }

  private static HashMap<String, Integer> index(List<String> names) {
    HashMap<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      ids.put(names.get(i), i);
    }
    return ids;
  }

  private static String qualified(String root, Configuration conf) throws IOException {
    Path path = new Path(root);
    return path.getFileSystem(conf).makeQualified(path).toString();
  }
}
