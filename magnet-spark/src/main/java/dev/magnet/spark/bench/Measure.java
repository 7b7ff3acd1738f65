package dev.magnet.spark.bench;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * One figure measured on both sides: each peer run's value (the peer runs before and after
 * Magnet, so two values whose gap shows a change of the machine's load) and Magnet's. The ratio is
 * Magnet / the mean of the peer runs, whatever the unit: above 1 is better for a rate, worse for
 * seconds or bytes.
 *
 * @param name what is measured, with its unit
 * @param peer each peer run's value, in order (empty when the peer was not run)
 * @param magnet Magnet's value (NaN when not measured)
 * @param decimals digits after the point when printed
 */
public record Measure(String name, List<Double> peer, double magnet, int decimals) {
  public Measure {
    peer = List.copyOf(peer);
    if (decimals < 0) {
      throw new IllegalArgumentException("decimals must be >= 0; decimals=" + decimals);
    }
  }

  /** The mean of the peer runs; NaN without any. */
  public double peerMean() {
    return peer.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** Magnet / the peer's mean; NaN when either is missing. */
  public double ratio() {
    return magnet / peerMean();
  }

  /** The row of the Markdown table: measure | peer (mean, then each run) | Magnet | ratio. */
  public List<String> row() {
    String peerCell = peer.isEmpty() ? "—" : peer.size() == 1 ? number(peer.get(0), decimals)
        : number(peerMean(), decimals) + " (" + peer.stream().map(v -> number(v, decimals))
            .collect(Collectors.joining(" / ")) + ")";
    return List.of(name, peerCell, number(magnet, decimals), ratio(ratio()));
  }

  /** A number with thousands separators, or "—" when it is not finite. */
  public static String number(double value, int decimals) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%,." + decimals + "f", value) : "—";
  }

  /** A ratio as {@code 0.37×}, or "—". */
  public static String ratio(double value) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f×", value) : "—";
  }

  /** A Markdown table. */
  public static String markdown(List<String> header, List<List<String>> rows) {
    StringBuilder table = new StringBuilder(line(header));
    table.append(line(header.stream().map(h -> "---").toList()));
    rows.forEach(r -> table.append(line(r)));
    return table.toString();
  }

  private static String line(List<String> cells) {
    return "| " + String.join(" | ", cells) + " |\n";
  }
}
