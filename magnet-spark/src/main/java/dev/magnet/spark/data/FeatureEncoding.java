package dev.magnet.spark.data;

/**
 * How an example's features travel as bytes. Raw bytes cross the shuffle and are decoded into
 * floats only where a batch is built: an IDX image is 784 bytes as UINT8, four times less than
 * as floats.
 */
public enum FeatureEncoding {
  /** One unsigned byte per value, decoded as value / 255 (IDX pixels). */
  UINT8,
  /** Four big-endian bytes per value, an IEEE float (vectors, decoded images). */
  FLOAT32
}
