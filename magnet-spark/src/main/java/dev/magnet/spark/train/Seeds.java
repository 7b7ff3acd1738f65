package dev.magnet.spark.train;

/**
 * Derives independent seeds from the run's seed and a position (epoch, chunk, batch slot), so
 * every random choice is reproducible wherever and in whatever order Spark runs it.
 */
final class Seeds {
  /** The 64-bit golden ratio, SplittableRandom's own increment: spreads consecutive inputs. */
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Seeds() {}

  static long mix(long seed, long... positions) {
    long h = seed;
    for (long p : positions) {
      h = murmur(h ^ murmur(p + GOLDEN));
    }
    return h;
  }

  /** MurmurHash3's 64-bit finaliser. */
  private static long murmur(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
