package dev.magnet.spark.serde;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;

/**
 * Kryo's form of any record: its components in declaration order, read back through the canonical
 * constructor (so a record's checks run on the executor that reads it). A component of a final type
 * (a primitive, {@code String}, an array, an enum, a record) is written without its class, as Kryo's
 * field serialiser writes such a field; any other with its class.
 *
 * <p>Written by hand because Spark 3.5 ships Kryo 4, which has no record support (Kryo 5's
 * {@code RecordSerializer} came after): its field serialiser sets fields reflectively, which Java 17
 * refuses on a record's final fields. Kryo's {@code JavaSerializer} is no way out: its object
 * stream resolves classes with the loader of Kryo's own jar, which on an executor of a standalone
 * or YARN cluster does not see the application's jar; local mode, where both are on one class path,
 * hides it. This serialiser resolves classes through Kryo, as every other one does.
 */
final class RecordSerializer<T extends Record> extends Serializer<T> {
  private final Method[] accessors;
  private final Class<?>[] types;
  /** A primitive component's wrapper class, which Kryo reads it as. */
  private final Class<?>[] boxed;
  private final boolean[] exactType;
  private final Constructor<T> constructor;

  /** The serialiser of the record class {@code type}; Kryo asks for one per class it meets. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static RecordSerializer<?> of(Class<?> type) {
    if (!type.isRecord()) {
      throw new IllegalArgumentException("not a record: " + type.getName());
    }
    return new RecordSerializer(type);
  }

  private RecordSerializer(Class<T> type) {
    RecordComponent[] components = type.getRecordComponents();
    accessors = new Method[components.length];
    types = new Class<?>[components.length];
    boxed = new Class<?>[components.length];
    exactType = new boolean[components.length];
    for (int i = 0; i < components.length; i++) {
      accessors[i] = components[i].getAccessor();
      accessors[i].setAccessible(true);
      types[i] = components[i].getType();
      boxed[i] = MethodType.methodType(types[i]).wrap().returnType();
      exactType[i] = types[i].isPrimitive() || Modifier.isFinal(types[i].getModifiers());
    }
    try {
      constructor = type.getDeclaredConstructor(types);
      constructor.setAccessible(true);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("a record without its canonical constructor: " + type.getName(), e);
    }
    setImmutable(true);
  }

  @Override
  public void write(Kryo kryo, Output output, T record) {
    for (int i = 0; i < accessors.length; i++) {
      Object value;
      try {
        value = accessors[i].invoke(record);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new KryoException("cannot read " + accessors[i].getName() + " of " + record.getClass().getName(), e);
      }
      if (types[i].isPrimitive()) {
        kryo.writeObject(output, value);
      } else if (exactType[i]) {
        kryo.writeObjectOrNull(output, value, types[i]);
      } else {
        kryo.writeClassAndObject(output, value);
      }
    }
  }

  @Override
  public T read(Kryo kryo, Input input, Class<T> type) {
    Object[] values = new Object[types.length];
    for (int i = 0; i < types.length; i++) {
      if (types[i].isPrimitive()) {
        values[i] = kryo.readObject(input, boxed[i]);
      } else if (exactType[i]) {
        values[i] = kryo.readObjectOrNull(input, types[i]);
      } else {
        values[i] = kryo.readClassAndObject(input);
      }
    }
    try {
      return constructor.newInstance(values);
    } catch (InstantiationException | IllegalAccessException e) {
      throw new KryoException("cannot build a " + type.getName(), e);
    } catch (InvocationTargetException e) {
      throw new KryoException("the read values of a " + type.getName() + " break its rules: "
          + e.getCause().getMessage(), e.getCause());
    }
  }
}
