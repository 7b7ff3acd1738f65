package dev.magnet.core.params;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How an enum constant is spelled wherever a user types it (the command line, Spark ML params,
 * experiment tables): lower case, {@code _} as {@code -}, so {@code RESNET_SMALL} is
 * {@code resnet-small}. The one statement of the rule; the CLI's converters and the ML params use
 * it.
 */
public final class EnumSpelling {
  private EnumSpelling() {}

  /** The spelling of one constant. */
  public static String of(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The spellings of every constant of {@code type}, in declaration order. */
  public static List<String> all(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants()).map(EnumSpelling::of).toList();
  }

  /**
   * The constant spelled {@code value}.
   *
   * @param name what the value is for, named in the error ("loss", "network")
   * @throws IllegalArgumentException naming the value and the spellings there are
   */
  public static <E extends Enum<E>> E parse(Class<E> type, String name, String value) {
    for (E constant : type.getEnumConstants()) {
      if (of(constant).equals(value)) {
        return constant;
      }
    }
    throw new IllegalArgumentException(name + " must be one of " + String.join(", ", all(type)) + "; " + name + "="
        + value);
  }
}
