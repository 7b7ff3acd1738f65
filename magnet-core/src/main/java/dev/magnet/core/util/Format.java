package dev.magnet.core.util;

import java.util.Locale;

/** Numbers as the logs, tables and reports print them: always with a '.' decimal point. */
public final class Format {
  private Format() {}

  /** {@code value} with {@code places} decimals, e.g. {@code decimals(0.12345, 2)} is "0.12". */
  public static String decimals(double value, int places) {
    return String.format(Locale.ROOT, "%." + places + "f", value);
  }
}
