package dev.magnet.spark.serde;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.factories.SerializerFactory;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Magnet's Kryo registrator ({@code spark.kryo.registrator}): ND4J's, with its INDArray serialiser
 * replaced by {@link ArraySerializer}, which copies the data in bulk.
 *
 * <p>Why: parameter averaging moves the network's parameters and Adam state as INDArrays through
 * Kryo three times a round (the broadcast, and each worker's result back), 2.8 MB each for
 * {@code fmnist-cnn}. ND4J's serialiser writes and reads them one float at a time through a
 * {@code DataOutputStream}, which a profile of the fit phase (JFR, 20k images, local[2]) showed
 * on the driver's result threads and in every task.
 *
 * <p>Records (the image preprocessing, an index's items, decoded images and rejects) go through
 * {@link RecordSerializer}: Kryo 4's field serialiser cannot set a record's final fields on Java 17,
 * and its Java serialiser cannot find the application's classes on a cluster's executors.
 */
public final class MagnetKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    new Nd4jRegistrator().registerClasses(kryo);
    kryo.register(Nd4j.getBackend().getNDArrayClass(), new ArraySerializer());
    kryo.addDefaultSerializer(Record.class, (SerializerFactory) (k, type) -> RecordSerializer.of(type));
  }
}
