package dev.magnet.spark.serde;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.magnet.core.data.ImagePreprocessing;

/**
 * Kryo's form of an {@link ImagePreprocessing}: its three sizes and the names of its four enums,
 * read back through the record's constructor (which checks them).
 *
 * <p>Why not Kryo's field serialiser: it cannot set a record's final fields on Java 17. Why not
 * Kryo's {@code JavaSerializer}: its object stream resolves classes with the loader of Kryo's own
 * jar, which on an executor of a standalone or YARN cluster does not see the application's jar
 * ({@code ClassNotFoundException: dev.magnet.core.data.ImagePreprocessing}); local mode, where both
 * are on one class path, hides it.
 */
final class PreprocessingSerializer extends Serializer<ImagePreprocessing> {
  PreprocessingSerializer() {
    setImmutable(true);
  }

  @Override
  public void write(Kryo kryo, Output output, ImagePreprocessing p) {
    output.writeInt(p.channels(), true);
    output.writeInt(p.height(), true);
    output.writeInt(p.width(), true);
    output.writeString(p.resize().name());
    output.writeString(p.colour().name());
    output.writeString(p.scaling().name());
    output.writeString(p.augmentation().name());
  }

  @Override
  public ImagePreprocessing read(Kryo kryo, Input input, Class<ImagePreprocessing> type) {
    int channels = input.readInt(true);
    int height = input.readInt(true);
    int width = input.readInt(true);
    return new ImagePreprocessing(channels, height, width, ImagePreprocessing.Resize.valueOf(input.readString()),
        ImagePreprocessing.Colour.valueOf(input.readString()), ImagePreprocessing.Scaling.valueOf(input.readString()),
        ImagePreprocessing.Augmentation.valueOf(input.readString()));
  }
}
