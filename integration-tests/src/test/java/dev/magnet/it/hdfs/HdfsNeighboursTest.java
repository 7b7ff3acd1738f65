package dev.magnet.it.hdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.it.CliRun;
import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The neighbour index on real HDFS (MiniDFSCluster): the corpus, the index (its lists written by
 * the executors, its metadata by the driver), an incremental build, query results and recall all
 * on hdfs:// paths; a list damaged on HDFS is exit status 3.
 */
class HdfsNeighboursTest {
  @RegisterExtension
  static final MiniHdfs HDFS = MiniHdfs.withSpark("magnet-hdfs-neighbours-it");

  private static CliRun ok(String... args) {
    CliRun run = CliRun.of(args);
    assertEquals(0, run.status(), run.toString());
    return run;
  }

  @Test
  void buildQueryAddAndMeasureOnHdfs() throws IOException {
    String corpus = HDFS.uri("/magnet/corpus");
    String more = HDFS.uri("/magnet/more");
    String index = HDFS.uri("/magnet/index");
    ok("neighbours", "generate", "--output", corpus, "--rows", "1500", "--dimension", "8", "--clusters", "30");
    ok("neighbours", "generate", "--output", more, "--rows", "2000", "--dimension", "8", "--clusters", "30");
    // The first 1,500 rows of 'more' are 'corpus' (rows depend on the seed and id only).
    ok("neighbours", "build", "--embeddings", corpus, "--output", index, "--lists", "3");
    assertTrue(HDFS.fs().exists(new org.apache.hadoop.fs.Path(index + "/metadata.json")));
    assertEquals(3, HDFS.fs().listStatus(new org.apache.hadoop.fs.Path(index + "/lists")).length);
    CliRun added = ok("neighbours", "build", "--embeddings", more, "--output", index, "--incremental");
    assertTrue(added.out().contains("added 500 rows"), added.toString());
    CliRun query = ok("neighbours", "query", "--index", index, "--queries", more, "--k", "5", "--output",
        HDFS.uri("/magnet/neighbours"));
    assertTrue(query.out().contains("wrote 2000 neighbour lists (k=5)"), query.toString());
    CliRun recall = ok("neighbours", "recall", "--index", index, "--sample", "200");
    assertTrue(recall.out().contains("recall@10 = "), recall.toString());
    double value = Double.parseDouble(recall.out().replaceAll("(?s).*recall@10 = ([0-9.]+).*", "$1"));
    assertTrue(value >= 0.95, recall.toString());

    org.apache.hadoop.fs.Path list = new org.apache.hadoop.fs.Path(index + "/lists/list-00002.bin");
    byte[] bytes;
    try (var in = HDFS.fs().open(list)) {
      bytes = in.readAllBytes();
    }
    bytes[bytes.length / 2] ^= 0x5A;
    try (OutputStream out = HDFS.fs().create(list, true)) {
      out.write(bytes);
    }
    CliRun damaged =
        CliRun.of("neighbours", "query", "--index", index, "--self", "--output", HDFS.uri("/magnet/again"));
    assertEquals(3, damaged.status(), damaged.toString());
    assertTrue(damaged.err().contains("checksum mismatch in") && damaged.err().contains("list-00002.bin"),
        damaged.toString());
  }
}
