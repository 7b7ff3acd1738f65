package dev.magnet.spark.serde;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.magnet.core.matrix.Matrices;
import org.nd4j.kryo.Nd4jSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kryo serialiser of INDArrays that copies float, double, int and long data in bulk: a tag, the
 * data type, the shape, then the values in c order (none, behind a tag of its own, for an empty
 * array, which ND4J's own serialiser cannot read back). Other arrays (compressed, other data types) go through ND4J's
 * {@link Nd4jSerializer} behind another tag. Views are written as the values they show.
 */
final class ArraySerializer extends Serializer<INDArray> {
  static final byte BULK = 1;
  static final byte ND4J = 2;
  static final byte EMPTY = 3;

  private final Nd4jSerializer fallback = new Nd4jSerializer();

  @Override
  public void write(Kryo kryo, Output output, INDArray array) {
    if (!bulk(array)) {
      output.writeByte(ND4J);
      fallback.write(kryo, output, array);
      return;
    }
    output.writeByte(array.isEmpty() ? EMPTY : BULK);
    output.writeByte(array.dataType().ordinal());
    output.writeInt(array.rank(), true);
    for (long d : array.shape()) {
      output.writeLong(d, true);
    }
    if (array.isEmpty()) {
      return;
    }
    INDArray a = array.isView() || array.ordering() != 'c' || !Shape.hasDefaultStridesForShape(array)
        || array.data().length() != array.length() ? array.dup('c') : array;
    switch (a.dataType()) {
      case FLOAT -> output.writeFloats(a.data().asFloat());
      case DOUBLE -> output.writeDoubles(a.data().asDouble());
      case INT -> output.writeInts(a.data().asInt());
      case LONG -> output.writeLongs(a.data().asLong());
      default -> throw new IllegalStateException("not a bulk type: " + a.dataType());
    }
  }

  @Override
  public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
    byte tag = input.readByte();
    if (tag == ND4J) {
      return fallback.read(kryo, input, type);
    }
    if (tag != BULK && tag != EMPTY) {
      throw new KryoException("not an INDArray written by " + ArraySerializer.class.getName()
          + ": tag " + tag);
    }
    DataType dataType = DataType.values()[input.readByte()];
    long[] shape = new long[input.readInt(true)];
    long length = 1;
    for (int i = 0; i < shape.length; i++) {
      shape[i] = input.readLong(true);
      length *= shape[i];
    }
    if (tag == EMPTY) {
      return shape.length == 0 ? Nd4j.empty(dataType) : Nd4j.create(dataType, shape);
    }
    int n = Math.toIntExact(length);
    return switch (dataType) {
      case FLOAT -> Matrices.fromFloats(input.readFloats(n), shape);
      case DOUBLE -> Nd4j.create(input.readDoubles(n), shape, 'c');
      case INT -> Nd4j.createFromArray(input.readInts(n)).reshape('c', shape);
      case LONG -> Nd4j.createFromArray(input.readLongs(n)).reshape('c', shape);
      default -> throw new KryoException("not a bulk type: " + dataType);
    };
  }

  private static boolean bulk(INDArray array) {
    if (array.isCompressed() || array.length() > Integer.MAX_VALUE) {
      return false;
    }
    DataType t = array.dataType();
    return t == DataType.FLOAT || t == DataType.DOUBLE || t == DataType.INT || t == DataType.LONG;
  }
}
