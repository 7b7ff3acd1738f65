package dev.magnet.spark.experiment.tune;

import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.FeatureEncoding;
import dev.magnet.spark.data.SparkDataset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * The training data of a search as the DataFrame that {@code MagnetEstimator}, {@code MagnetEvaluator}
 * and Spark ML's {@code CrossValidator} read: one row per training example with its id, its
 * features (8-bit images as Spark's image struct, other examples as {@code array<float>}), the
 * label trained on ({@value #LABEL}: the coarse one on the hierarchy task), the fine label scored
 * on ({@value #FINE}) and its fold of the {@link StratifiedSplit} ({@value #FOLD}). Nothing but the
 * training data goes in, so the held-out folds are training examples.
 */
public final class TuningFrame {
  public static final String ID = "id";
  public static final String FEATURES = "features";
  public static final String LABEL = "label";
  public static final String FINE = "fine";
  public static final String FOLD = "fold";

  private TuningFrame() {}

  /** The examples' ids and fine labels (the label trained on when there is no coarse map), on the driver. */
  public static Split labels(SparkDataset data) {
    List<Tuple2<Long, Integer>> pairs = data.examples().map(e -> new Tuple2<>(e.id(), fine(e))).collect();
    long[] ids = new long[pairs.size()];
    int[] labels = new int[pairs.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = pairs.get(i)._1();
      labels[i] = pairs.get(i)._2();
    }
    return new Split(ids, labels, null);
  }

  /**
   * The examples' ids, their fine labels, and (once assigned) their folds, in one order.
   *
   * @param folds the fold of each example, or null before the split
   */
  public record Split(long[] ids, int[] labels, int[] folds) {
    /** This with the folds. */
    public Split withFolds(int[] value) {
      if (value.length != ids.length) {
        throw new IllegalArgumentException("one fold per example is needed; examples=" + ids.length + ", folds="
            + value.length);
      }
      return new Split(ids, labels, value);
    }

    /** How many examples fold {@code fold} holds. */
    public long count(int fold) {
      return java.util.Arrays.stream(folds).filter(f -> f == fold).count();
    }
  }

  /** The label scored on: the fine one kept by a coarse relabelling, else the class. */
  static int fine(Example e) {
    return e.fineLabel() >= 0 ? e.fineLabel() : e.label();
  }

  /** The frame of {@code data} with the folds of {@code split}. */
  public static Dataset<Row> of(SparkSession session, SparkDataset data, Split split) {
    Map<Long, Integer> foldOf = new HashMap<>();
    for (int i = 0; i < split.ids().length; i++) {
      foldOf.put(split.ids()[i], split.folds()[i]);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(session.sparkContext());
    // Not destroyed: the frame's lineage reads it for the whole search; Spark's cleaner drops it with the frame.
    Broadcast<Map<Long, Integer>> folds = jsc.broadcast(foldOf);
    InputShape shape = data.inputShape();
    boolean image = shape.kind() == InputShape.Kind.IMAGE;
    int channels = shape.channels();
    int height = shape.height();
    int width = shape.width();
    StructType schema = new StructType().add(ID, DataTypes.LongType, false)
        .add(FEATURES, image ? imageSchema() : DataTypes.createArrayType(DataTypes.FloatType, false), false)
        .add(LABEL, DataTypes.IntegerType, false).add(FINE, DataTypes.IntegerType, false)
        .add(FOLD, DataTypes.IntegerType, false);
    var rows = data.examples().map(e -> {
      Integer fold = folds.value().get(e.id());
      if (fold == null) {
        throw new IllegalStateException("example " + e.id() + " has no fold");
      }
      Object features = image && e.encoding() == FeatureEncoding.UINT8
          ? RowFactory.create("example " + e.id(), height, width, channels, 0,
              imageStructBytes(e.features(), channels, height, width))
          : e.decode();
      return RowFactory.create(e.id(), features, e.label(), fine(e), fold);
    });
    return session.createDataFrame(rows, schema);
  }

  /** Spark's image struct (its image source's schema). */
  private static StructType imageSchema() {
    return new StructType().add("origin", DataTypes.StringType, true).add("height", DataTypes.IntegerType, false)
        .add("width", DataTypes.IntegerType, false).add("nChannels", DataTypes.IntegerType, false)
        .add("mode", DataTypes.IntegerType, false).add("data", DataTypes.BinaryType, false);
  }

  /**
   * Magnet's {@code c x h x w} pixels (RGB order) as the image struct's interleaved rows (BGR
   * order for 3 or more channels): the inverse of how the estimator reads the struct.
   */
  public static byte[] imageStructBytes(byte[] chw, int c, int h, int w) {
    byte[] out = new byte[chw.length];
    boolean bgr = c >= 3;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        for (int k = 0; k < c; k++) {
          int channel = bgr && k < 3 ? 2 - k : k;
          out[(y * w + x) * c + k] = chw[(channel * h + y) * w + x];
        }
      }
    }
    return out;
  }
}
