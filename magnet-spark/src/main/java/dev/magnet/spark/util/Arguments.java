package dev.magnet.spark.util;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A command line built word by word from typed values, as the typed requests spell themselves
 * ({@code TrainRequest#toArgs()}), and printed as a user would type it ({@link #shell}).
 */
public final class Arguments {
  /** What a POSIX shell takes literally without quotes. */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

  private final List<String> words = new ArrayList<>();

  /** A command line starting with {@code command}. */
  public Arguments(String command) {
    words.add(command);
  }

  /** One word as it is: a subcommand ({@code neighbours build}). */
  public Arguments word(String word) {
    words.add(word);
    return this;
  }

  /** {@code name value}, unless the value is null. */
  public Arguments option(String name, Object value) {
    if (value != null) {
      words.add(name);
      words.add(value instanceof Double d ? plain(d) : value.toString());
    }
    return this;
  }

  /** {@code name value}, unless the value is its default. */
  public Arguments changed(String name, Object value, Object byDefault) {
    return value.equals(byDefault) ? this : option(name, value);
  }

  /** {@code name} when set. */
  public Arguments flag(String name, boolean set) {
    if (set) {
      words.add(name);
    }
    return this;
  }

  /** The words so far. */
  public List<String> words() {
    return List.copyOf(words);
  }

  /** A number as a user types it: 0.25 as "0.25", 4.0 as "4", 1e-4 as "0.0001". */
  public static String plain(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /** {@code ./spark-submit} and the words, quoted for a POSIX shell where they need it. */
  public static String shell(List<String> words) {
    StringBuilder line = new StringBuilder("./spark-submit");
    for (String word : words) {
      line.append(' ').append(PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'");
    }
    return line.toString();
  }
}
