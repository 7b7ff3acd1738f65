package dev.magnet.spark.ml;

import dev.magnet.core.data.ImagePreprocessing;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.Columns;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.FeatureEncoding;
import dev.magnet.spark.data.ImageDatasets;
import dev.magnet.spark.data.SparkDatasets;
import dev.magnet.spark.data.image.DecodeResult;
import dev.magnet.spark.data.image.DecodedImage;
import dev.magnet.spark.data.image.ImageDecoder;
import java.io.Serializable;
import java.util.Objects;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The features column as Magnet reads it: a Spark ML {@code Vector}, an {@code array<float>} or
 * {@code array<double>}, an image struct of Spark's {@code image} source ({@code height},
 * {@code width}, {@code nChannels}, {@code data}: 8-bit pixels, row-major, channels interleaved in
 * OpenCV's BGR(A) order), or (for a fitted model) the bytes of encoded image files (a
 * {@code binary} column: Spark's {@code binaryFile} source's {@code content}, a table of JPEGs).
 * Images become {@code channels x height x width} rows in C order with the channels in RGB(A)
 * order, the layout of every other image input of Magnet, and travel as bytes
 * ({@link FeatureEncoding#UINT8}, scaled to [0, 1] when decoded). For a model of 1 or 3 channels
 * they go through the one image decoder ({@link ImageDecoder}) with the model's preprocessing, so
 * that an image gives the embedding that {@code embed} and {@code evaluate} give its file.
 */
final class FeatureColumn implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What the column holds. */
  enum Kind { VECTOR, ARRAY, IMAGE, ENCODED }

  private final String name;
  private final Kind kind;
  private final StructType image;
  private final int heightIndex;
  private final int widthIndex;
  private final int channelsIndex;
  private final int dataIndex;
  private final int originIndex;
  /** The expected shape, kept as numbers: {@link InputShape} is not serialisable. Size 0 = not known yet. */
  private final boolean imageShape;
  private final int channels;
  private final int height;
  private final int width;
  /** How images become the model's input; null for vectors and for images of other than 1 or 3 channels. */
  private final ImagePreprocessing preprocessing;

  private FeatureColumn(String name, Kind kind, StructType image) {
    this(name, kind, image, null, null);
  }

  private FeatureColumn(String name, Kind kind, StructType image, InputShape shape, ImagePreprocessing preprocessing) {
    this.name = name;
    this.kind = kind;
    this.preprocessing = preprocessing;
    this.imageShape = shape != null && shape.kind() == InputShape.Kind.IMAGE;
    this.channels = shape == null ? 0 : shape.channels();
    this.height = shape == null ? 0 : shape.height();
    this.width = shape == null ? 0 : shape.width();
    this.image = image;
    this.heightIndex = image == null ? -1 : image.fieldIndex("height");
    this.widthIndex = image == null ? -1 : image.fieldIndex("width");
    this.channelsIndex = image == null ? -1 : image.fieldIndex("nChannels");
    this.dataIndex = image == null ? -1 : image.fieldIndex("data");
    this.originIndex = image == null || !image.getFieldIndex("origin").isDefined() ? -1 : image.fieldIndex("origin");
  }

  /**
   * The features column {@code name} of {@code schema}.
   *
   * @throws IllegalArgumentException worded like Spark's schema errors when the column is missing
   *     or of another type
   */
  static FeatureColumn of(StructType schema, String name) {
    DataType type = Columns.column(schema, name).dataType();
    if (type.equals(SQLDataTypes.VectorType())) {
      return new FeatureColumn(name, Kind.VECTOR, null);
    }
    if (type instanceof ArrayType a
        && (a.elementType().equals(DataTypes.FloatType) || a.elementType().equals(DataTypes.DoubleType))) {
      return new FeatureColumn(name, Kind.ARRAY, null);
    }
    if (type instanceof StructType s && ImageDatasets.isSparkImage(s)) {
      return new FeatureColumn(name, Kind.IMAGE, s);
    }
    if (type.equals(DataTypes.BinaryType)) {
      return new FeatureColumn(name, Kind.ENCODED, null);
    }
    throw new IllegalArgumentException("Column " + name + " must be of type vector, array<float>, array<double>,"
        + " struct<height:int,width:int,nChannels:int,data:binary> (Spark's image source) or binary (encoded images)"
        + " but was actually " + type.catalogString() + ".");
  }

  /**
   * This column read as examples of {@code shape}, images made inputs as {@code preprocessing} says.
   *
   * @param preprocessing the model's, or null (vectors; images of other than 1 or 3 channels,
   *     which must then have the shape exactly)
   * @throws IllegalArgumentException when an image column is given a vector shape, or encoded
   *     images no preprocessing
   */
  FeatureColumn shaped(InputShape shape, ImagePreprocessing preprocessing) {
    if ((kind == Kind.IMAGE || kind == Kind.ENCODED) && shape.kind() != InputShape.Kind.IMAGE) {
      throw new IllegalArgumentException("Column " + name + " holds images; inputShape must be [channels, height,"
          + " width]; inputShape=" + shape);
    }
    if (kind == Kind.ENCODED) {
      ImageDecoder.checkModel(preprocessing, shape);
    }
    return new FeatureColumn(name, kind, image, shape, preprocessing);
  }

  /** This column read as examples of {@code shape}, images with the preprocessing the shape implies. */
  FeatureColumn shaped(InputShape shape) {
    return shaped(shape, ImagePreprocessing.implied(shape));
  }

  /** The expected shape; {@link #shaped} must have been called. */
  InputShape shape() {
    if (channels == 0) {
      throw new IllegalStateException("the shape of column " + name + " is not known yet");
    }
    return imageShape ? InputShape.image(channels, height, width) : InputShape.vector(channels);
  }

  String name() {
    return name;
  }

  Kind kind() {
    return kind;
  }

  /** A training example of a non-null value; checked against the shape. */
  Example example(long id, int label, Object value) {
    if (kind == Kind.IMAGE || kind == Kind.ENCODED) {
      return new Example(id, label, -1, FeatureEncoding.UINT8, pixels(value));
    }
    return Example.ofFloats(id, label, -1, checked(SparkDatasets.features(value)));
  }

  /** The 8-bit input of an image value: a struct, or an encoded file's bytes. */
  private byte[] pixels(Object value) {
    if (kind == Kind.IMAGE) {
      return imageBytes((Row) value);
    }
    DecodeResult decoded = ImageDecoder.decode((byte[]) value, preprocessing);
    if (decoded instanceof DecodeResult.Rejected rejected) {
      throw new IllegalArgumentException("Column " + name + " must hold decodable images; a row's is "
          + rejected.reason().spelling() + ": " + rejected.detail());
    }
    return ((DecodedImage) decoded).pixels();
  }

  /** The feature values of a non-null value as the network reads them; checked against the shape. */
  float[] values(Object value) {
    if (kind == Kind.IMAGE || kind == Kind.ENCODED) {
      byte[] bytes = pixels(value);
      float[] out = new float[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        out[i] = (bytes[i] & 0xFF) / 255f;
      }
      return out;
    }
    return checked(SparkDatasets.features(value));
  }

  private float[] checked(float[] values) {
    long size = (long) channels * Math.max(1, height) * Math.max(1, width);
    if (values.length != size) {
      throw new IllegalArgumentException("Column " + name + " must hold " + size + " values per row (input shape "
          + shape() + "); a row has " + values.length);
    }
    return values;
  }

  /**
   * The pixels of an image struct as {@code c x h x w} bytes in C order, channels reordered from
   * BGR(A) to RGB(A): output channel {@code k < 3} of a 3- or 4-channel image is input channel
   * {@code 2 - k}. With a preprocessing (a model of 1 or 3 channels) the image is converted and
   * resized by the decoder as its file would be ({@link ImageDecoder#fromInterleaved}); without,
   * it must have the shape exactly.
   */
  byte[] imageBytes(Row image) {
    int h = image.getInt(heightIndex);
    int w = image.getInt(widthIndex);
    int c = image.getInt(channelsIndex);
    byte[] data = (byte[]) image.get(dataIndex);
    String origin = originIndex < 0 || image.isNullAt(originIndex) ? "(no origin)" : image.getString(originIndex);
    if (preprocessing != null && (c == 1 || c == 3 || c == 4) && h > 0 && w > 0 && data != null
        && data.length == (long) h * w * c) {
      return ImageDecoder.fromInterleaved(data, h, w, c, preprocessing).pixels();
    }
    if (channels != c || height != h || width != w) {
      throw new IllegalArgumentException("Column " + name + " must hold images of " + shape() + "; image " + origin
          + " has channels=" + c + " height=" + h + " width=" + w);
    }
    if (data == null || (long) data.length != (long) h * w * c) {
      throw new IllegalArgumentException("Column " + name + " must hold 8-bit images of height*width*nChannels bytes;"
          + " image " + origin + " has " + (data == null ? "no data" : data.length + " bytes") + " for " + h + "x" + w
          + "x" + c);
    }
    byte[] out = new byte[data.length];
    boolean bgr = c >= 3;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int pixel = (y * w + x) * c;
        for (int k = 0; k < c; k++) {
          int channel = bgr && k < 3 ? 2 - k : k;
          out[(channel * h + y) * w + x] = data[pixel + k];
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "FeatureColumn[" + Objects.requireNonNull(name) + ", " + kind + "]";
  }
}
