package dev.magnet.spark.serde;

import dev.magnet.core.data.ImagePreprocessing;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Output;
import dev.magnet.spark.data.image.DecodeResult;
import dev.magnet.spark.data.image.DecodedImage;
import dev.magnet.spark.data.image.ImageDecoder;
import dev.magnet.spark.data.image.RejectReason;
import dev.magnet.spark.data.image.RejectedFile;
import dev.magnet.spark.neighbours.Item;
import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag$;

/** INDArrays and records through Spark's Kryo serialiser configured as Magnet's jobs configure it. */
class MagnetKryoRegistratorTest {
  private static final SerializerInstance KRYO = new KryoSerializer(new SparkConf()
      .set("spark.kryo.registrator", MagnetKryoRegistrator.class.getName())).newInstance();

  static Stream<INDArray> arrays() {
    INDArray matrix = Nd4j.rand(DataType.FLOAT, 5, 7);
    return Stream.of(
        Nd4j.rand(DataType.FLOAT, 48, 1, 28, 28),
        Nd4j.rand(DataType.DOUBLE, 3, 4),
        Nd4j.createFromArray(new int[] {3, -1, 7}).reshape(1, 3),
        Nd4j.createFromArray(new long[] {Long.MAX_VALUE, 0, -5, 9}),
        Nd4j.scalar(2.5f),
        matrix.getRow(3),                                                   // a view with an offset
        matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 4)),        // a strided view
        matrix.transpose(),                                                 // f order
        Nd4j.rand(DataType.FLOAT, 4, 3).castTo(DataType.HALF),              // ND4J's own serialiser
        Nd4j.createFromArray(true, false, true),
        Nd4j.empty(DataType.FLOAT),
        Nd4j.create(DataType.DOUBLE, 0, 3));
  }

  @ParameterizedTest
  @MethodSource("arrays")
  void roundTripsValuesShapeAndType(INDArray array) {
    INDArray back = roundTrip(array);
    assertEquals(array.dataType(), back.dataType());
    assertArrayEquals(array.shape(), back.shape());
    assertEquals(array, back);
  }

  @Test
  void bulkTypesUseTheBulkFormatAndOthersNd4js() {
    assertEquals(ArraySerializer.BULK, firstByte(Nd4j.rand(DataType.FLOAT, 2, 2)));
    assertEquals(ArraySerializer.BULK, firstByte(Nd4j.createFromArray(1L, 2L)));
    assertEquals(ArraySerializer.ND4J, firstByte(Nd4j.createFromArray(true)));
    assertEquals(ArraySerializer.EMPTY, firstByte(Nd4j.empty(DataType.FLOAT)));
  }

  @Test
  void theParametersOfANetworkTakeFourBytesAValuePlusAHeader() {
    INDArray params = Nd4j.rand(DataType.FLOAT, 1, 233_290);
    int size = KRYO.serialize(params, ClassTag$.MODULE$.apply(Object.class)).remaining();
    assertEquals(4 * 233_290, size, 32);
  }

  @Test
  void readArraysAreIndependentOfTheWrittenOnes() {
    INDArray original = Nd4j.rand(DataType.FLOAT, 3, 3);
    INDArray back = roundTrip(original);
    original.addi(1);
    assertFalse(original.equals(back));
  }

  private static INDArray roundTrip(INDArray array) {
    ByteBuffer bytes = KRYO.serialize(array, ClassTag$.MODULE$.apply(Object.class));
    Object back = KRYO.deserialize(bytes, ClassTag$.MODULE$.apply(Object.class));
    return (INDArray) back;
  }

  @Test
  void recordsExecutorsReceiveRoundTripThroughTheirConstructor() {
    ImagePreprocessing preprocessing = ImagePreprocessing.of(3, 64, 48)
        .withAugmentation(ImagePreprocessing.Augmentation.CROP_FLIP);
    assertEquals(preprocessing, viaKryo(preprocessing));
    assertEquals(new ImageDecoder.Header(640, 480, true), viaKryo(new ImageDecoder.Header(640, 480, true)));
    DecodedImage image = new DecodedImage(1, 2, 3, new byte[] {0, 1, 2, 3, 4, (byte) 255});
    assertEquals(image, viaKryo(image));
    DecodeResult rejected = new DecodeResult.Rejected(RejectReason.EMPTY, "zero bytes");
    assertEquals(rejected, viaKryo(rejected));
    RejectedFile file = new RejectedFile("a/b.png", RejectReason.UNKNOWN_FORMAT, "no reader", 12L, null);
    assertEquals(file, viaKryo(file));
  }

  @Test
  void aRecordsNullAndArrayComponentsRoundTrip() {
    Item item = (Item) viaKryo(new Item(Long.MIN_VALUE, null, "shirt", new float[] {1.5f, -0f, Float.NaN}));
    assertEquals(Long.MIN_VALUE, item.id());
    assertNull(item.path());
    assertEquals("shirt", item.label());
    assertArrayEquals(new float[] {1.5f, -0f, Float.NaN}, item.vector());
    assertNull(((Item) viaKryo(new Item(3, "p", null, null))).vector());
  }

  @Test
  void aRecordInsideAClassTravelsWithIt() {
    RecordHolder holder = new RecordHolder();
    holder.result = new DecodeResult.Rejected(RejectReason.CORRUPT, "truncated");
    holder.results = new Object[] {new ImageDecoder.Header(1, 2, false), holder.result};
    RecordHolder back = (RecordHolder) viaKryo(holder);
    assertEquals(holder.result, back.result);
    assertArrayEquals(holder.results, back.results);
  }

  /** A class as Kryo's field serialiser meets records: as a field of an interface type and in an array. */
  static final class RecordHolder {
    DecodeResult result;
    Object[] results;
  }

  private static Object viaKryo(Object value) {
    return KRYO.deserialize(KRYO.serialize(value, ClassTag$.MODULE$.Any()), ClassTag$.MODULE$.Any());
  }

  /** The serialiser's tag: the first byte it writes. */
  private static byte firstByte(INDArray array) {
    Kryo kryo = new Kryo();
    new MagnetKryoRegistrator().registerClasses(kryo);
    Output out = new Output(64, -1);
    new ArraySerializer().write(kryo, out, array);
    return out.toBytes()[0];
  }
}
