package dev.magnet.spark.train;

import dev.magnet.spark.data.Example;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.spark.api.java.JavaRDD;

/**
 * What a checkpoint records of its training data, so that {@code --resume} refuses other data
 * (docs/reliability.md, "Resume"): the number of examples, of classes, and a content hash that is
 * the sum (mod 2^64) over the examples of a 64-bit mix of each one's CRC-32C of its feature bytes,
 * its encoding, its label and its fine label. A sum, so it depends neither on the order nor the
 * partitioning the examples come in, nor on their ids (a Parquet table's ids are Spark's
 * {@code zipWithUniqueId}, which change with the partitioning); any changed, added or removed
 * example or label changes it. Computed in the pass that counts the training set (and fills its
 * cache), so it costs a CRC of bytes already in memory.
 *
 * @param examples training examples
 * @param classes classes named by the data
 * @param content the content hash
 */
record DataFingerprint(long examples, int classes, long content) {
  /** The fingerprint of the (cached) training examples: one Spark job, in place of a count. */
  static DataFingerprint of(JavaRDD<Example> data, int classes) {
    List<long[]> partials = data.mapPartitions(partition -> {
      long[] acc = new long[2]; // examples, content
      CRC32C crc = new CRC32C();
      partition.forEachRemaining(e -> {
        crc.reset();
        crc.update(e.features());
        acc[0]++;
        acc[1] += Seeds.mix(crc.getValue(), e.encoding().ordinal(), e.label(), e.fineLabel());
      });
      return List.of(acc).iterator();
    }).collect();
    long n = 0;
    long content = 0;
    for (long[] p : partials) {
      n += p[0];
      content += p[1];
    }
    return new DataFingerprint(n, classes, content);
  }

  /** The fingerprint as one line, the form a checkpoint stores and messages print. */
  String text() {
    return examples + " examples in " + classes + " classes, content " + String.format("%016x", content);
  }
}
