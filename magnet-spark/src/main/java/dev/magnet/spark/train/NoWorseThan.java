package dev.magnet.spark.train;

import java.math.BigDecimal;


/**
 * {@code --no-worse-than latest[:tolerance]}: the version a publishing run is compared with (only
 * {@code latest} for now) and how much worse it may be.
 *
 * @param tolerance how far below the latest's metric a new version may be and still be promoted
 */
public record NoWorseThan(double tolerance) {
  /** The only reference so far: the version {@code LATEST} names. */
  public static final String LATEST = "latest";

  public NoWorseThan {
    if (!Double.isFinite(tolerance) || tolerance < 0) {
      throw new IllegalArgumentException("--no-worse-than tolerance must be finite and >= 0; tolerance=" + tolerance);
    }
  }

  public static NoWorseThan parse(String text) {
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

  /** The spelling {@link #parse} reads: {@code latest}, or {@code latest:TOLERANCE}. */
  @Override
  public String toString() {
    return tolerance == 0 ? LATEST : LATEST + ":" + BigDecimal.valueOf(tolerance).stripTrailingZeros().toPlainString();
  }
}
