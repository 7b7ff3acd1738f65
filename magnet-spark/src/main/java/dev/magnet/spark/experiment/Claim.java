package dev.magnet.spark.experiment;

/**
 * One of the paper's claims tested on an experiment's runs: "Magnet's {@code measure} is at least
 * a fraction below the baseline's", that is {@code magnet − weight × baseline < 0} with weight =
 * 1 − the fraction (1 for "lower", 0.7 for "30% lower", 0.2 for "5× fewer"), computed per seed on
 * the same seed's two runs; the verdict is the interval's ({@link Verdict#below}).
 *
 * @param statement the claim in words
 * @param measure the results.json key of the figure compared (lower is better)
 * @param baselineLabel the baseline's name
 * @param weight the baseline's weight in the difference
 * @param magnet Magnet's figure over the paired seeds
 * @param baseline the baseline's figure over the same seeds
 * @param difference {@code magnet − weight × baseline} over the same seeds
 * @param verdict holds, refuted or inconclusive at 95%
 */
public record Claim(String statement, String measure, String baselineLabel, double weight, Interval magnet,
    Interval baseline, Interval difference, Verdict verdict) {}
