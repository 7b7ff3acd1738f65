package dev.magnet.spark.cli;

import picocli.CommandLine;

/**
 * {@code --no-worse-than latest[:tolerance]}: the version a publishing run is compared with (only
 * {@code latest} for now) and how much worse it may be.
 *
 * @param tolerance how far below the latest's metric a new version may be and still be promoted
 */
record NoWorseThan(double tolerance) {
  /** The only reference so far: the version {@code LATEST} names. */
  static final String LATEST = "latest";

  NoWorseThan {
    if (!Double.isFinite(tolerance) || tolerance < 0) {
      throw new IllegalArgumentException("--no-worse-than tolerance must be finite and >= 0; tolerance=" + tolerance);
    }
  }

  static NoWorseThan parse(String text) {
    String[] parts = text.split(":", -1);
    if (!parts[0].equals(LATEST) || parts.length > 2) {
      throw new IllegalArgumentException("--no-worse-than must be latest or latest:TOLERANCE; found '" + text + "'");
    }
    if (parts.length == 1) {
      return new NoWorseThan(0);
    }
    try {
      return new NoWorseThan(Double.parseDouble(parts[1]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--no-worse-than tolerance must be a number; found '" + parts[1] + "'");
    }
  }

  /** picocli's converter: a parse error becomes "Invalid value for option '--no-worse-than': ...". */
  static final class Converter implements CommandLine.ITypeConverter<NoWorseThan> {
    @Override
    public NoWorseThan convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
