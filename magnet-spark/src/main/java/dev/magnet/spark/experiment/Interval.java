package dev.magnet.spark.experiment;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.StatUtils;

/**
 * The mean of a figure over seeds with its 95% confidence interval, Student's t: {@code mean ±
 * t(0.975, n−1) · s / √n}, s the sample standard deviation (n − 1 in its denominator). This is
 * the interval of Musgrave, Belongie and Lim's protocol (docs/results.md, "Protocol"): the seeds
 * are independent runs, and their mean is close to normal when each run's figure is an average
 * over thousands of test examples. commons-math3 gives the t quantile and the moments; the rest
 * is the formula.
 *
 * <p>Example: 0.20, 0.22 and 0.24 give mean 0.22, s = 0.02, t(0.975, 2) = 4.3027, so 0.22 ±
 * 0.0497. One value has no interval: {@link #halfWidth} is NaN and {@link #defined} false.
 *
 * @param values the per-seed values, in seed order
 * @param mean their mean
 * @param halfWidth half the interval's width; NaN for fewer than two values
 */
public record Interval(List<Double> values, double mean, double halfWidth) {
  /** The confidence level of every interval Magnet reports. */
  public static final double LEVEL = 0.95;

  public Interval {
    values = List.copyOf(values);
  }

  /** The interval of {@code values}; at least one, all finite. */
  public static Interval of(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("an interval needs at least one value; values=[]");
    }
    for (double v : values) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("an interval needs finite values; values=" + Arrays.toString(values));
      }
    }
    double mean = StatUtils.mean(values);
    double half = Double.NaN;
    if (values.length >= 2) {
      double sd = Math.sqrt(StatUtils.variance(values, mean));
      half = quantile(values.length - 1) * sd / Math.sqrt(values.length);
    }
    return new Interval(Arrays.stream(values).boxed().toList(), mean, half);
  }

  /** The interval of {@code values}. */
  public static Interval of(List<Double> values) {
    return of(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * The interval of the paired differences {@code a[i] − b[i]}: the same seed's two runs, so that
   * what the seed changes alike in both cancels.
   */
  public static Interval paired(double[] a, double[] b) {
    return weighted(a, 1, b);
  }

  /**
   * The interval of {@code a[i] − weight · b[i]}: a claim "a is at least r lower than b, relative"
   * holds when this interval, with weight 1 − r, lies below zero.
   */
  public static Interval weighted(double[] a, double weight, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("paired values need one of each per seed; sizes " + a.length + "!="
          + b.length);
    }
    double[] d = new double[a.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = a[i] - weight * b[i];
    }
    return of(d);
  }

  /** The two-sided t quantile of {@link #LEVEL} with {@code degrees} degrees of freedom. */
  static double quantile(int degrees) {
    return new TDistribution(null, degrees).inverseCumulativeProbability(1 - (1 - LEVEL) / 2);
  }

  /** The number of values. */
  public int n() {
    return values.size();
  }

  /** Whether there is an interval: two values or more. */
  public boolean defined() {
    return values.size() >= 2;
  }

  public double low() {
    return mean - halfWidth;
  }

  public double high() {
    return mean + halfWidth;
  }

  /** {@code mean ± halfWidth} with {@code decimals} decimals, or the mean alone for one value. */
  public String format(int decimals) {
    String f = "%." + decimals + "f";
    return defined() ? String.format(Locale.ROOT, f + " ± " + f, mean, halfWidth)
        : String.format(Locale.ROOT, f, mean);
  }
}
