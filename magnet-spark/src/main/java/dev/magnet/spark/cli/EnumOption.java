package dev.magnet.spark.cli;

import dev.magnet.core.data.ImagePreprocessing.Augmentation;
import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.EnumSpelling;
import dev.magnet.core.params.LossKind;
import dev.magnet.spark.train.TrainingMasterKind;
import java.util.Iterator;
import picocli.CommandLine;

/**
 * picocli's converter of an enum option in {@link EnumSpelling}'s spelling ({@code RESNET_SMALL} is
 * {@code resnet-small}); it also lists the candidates for help and completion. One subclass per enum
 * the CLI takes.
 */
abstract class EnumOption<E extends Enum<E>> implements CommandLine.ITypeConverter<E>, Iterable<String> {
  private final Class<E> type;

  EnumOption(Class<E> type) {
    this.type = type;
  }

  @Override
  public E convert(String value) {
    for (E constant : type.getEnumConstants()) {
      if (EnumSpelling.of(constant).equals(value)) {
        return constant;
      }
    }
    throw new CommandLine.TypeConversionException("'" + value + "' is not one of " + String.join(", ", this));
  }

  @Override
  public Iterator<String> iterator() {
    return EnumSpelling.all(type).iterator();
  }

  /** {@code --loss}: magnet, softmax, triplet. */
  static final class Loss extends EnumOption<LossKind> {
    Loss() {
      super(LossKind.class);
    }
  }

  /** {@code --augment}: none, flip, crop-flip. */
  static final class Augment extends EnumOption<Augmentation> {
    Augment() {
      super(Augmentation.class);
    }
  }

  /** {@code --network}: fmnist-cnn, mlp, resnet-small. */
  static final class Network extends EnumOption<Architecture> {
    Network() {
      super(Architecture.class);
    }
  }

  /** {@code --training-master}: averaging, dl4j-averaging, sharing. */
  static final class Master extends EnumOption<TrainingMasterKind> {
    Master() {
      super(TrainingMasterKind.class);
    }
  }
}
