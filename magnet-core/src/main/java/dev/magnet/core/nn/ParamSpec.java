package dev.magnet.core.nn;

/**
 * One parameter of a hand-written layer: its key and shape, and for a weight the fans its
 * initialisation uses (biases start at the configuration's bias init, zero by default).
 */
record ParamSpec(String key, long[] shape, boolean weight, long fanIn, long fanOut) {
  static ParamSpec weight(String key, long fanIn, long fanOut, long... shape) {
    return new ParamSpec(key, shape, true, fanIn, fanOut);
  }

  static ParamSpec bias(String key, long size) {
    return new ParamSpec(key, new long[] {1, size}, false, 0, 0);
  }

  long length() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
