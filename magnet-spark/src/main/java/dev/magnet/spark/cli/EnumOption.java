package dev.magnet.spark.cli;

import dev.magnet.core.nn.Architecture;
import dev.magnet.core.params.LossKind;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * How an enum constant is spelled on the command line: lower case, {@code _} as {@code -}
 * ({@code RESNET_SMALL} is {@code resnet-small}). One converter (which also lists the candidates
 * for help and completion) per enum the CLI takes.
 */
abstract class EnumOption<E extends Enum<E>> implements CommandLine.ITypeConverter<E>, Iterable<String> {
  private final Class<E> type;

  EnumOption(Class<E> type) {
    this.type = type;
  }

  static String spelling(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @Override
  public E convert(String value) {
    for (E constant : type.getEnumConstants()) {
      if (spelling(constant).equals(value)) {
        return constant;
      }
    }
    throw new CommandLine.TypeConversionException("'" + value + "' is not one of " + String.join(", ", this));
  }

  @Override
  public Iterator<String> iterator() {
    return Arrays.stream(type.getEnumConstants()).map(EnumOption::spelling).collect(Collectors.toList()).iterator();
  }

  /** {@code --loss}: magnet, softmax, triplet. */
  static final class Loss extends EnumOption<LossKind> {
    Loss() {
      super(LossKind.class);
    }
  }

  /** {@code --network}: fmnist-cnn, mlp, resnet-small. */
  static final class Network extends EnumOption<Architecture> {
    Network() {
      super(Architecture.class);
    }
  }
}
