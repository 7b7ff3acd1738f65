package dev.magnet.spark.neighbours;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.magnet.spark.SparkTestSession;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index end to end on local[2]: built from a seeded mixture, queried by the index and by the
 * exact search, which a plain loop checks; recall; near-duplicate pairs; the same bits for the
 * same seed; incremental builds.
 */
class NeighbourIndexTest {
  private static final int DIMENSION = 16;
  @SparkTestSession.PerClass
  private static SparkSession spark;
  @TempDir
  static Path dir;
  private static String corpus;
  private static String queries;
  private static String index;

  @BeforeAll
  static void buildAnIndex() {
    corpus = dir.resolve("corpus").toString();
    queries = dir.resolve("queries").toString();
    index = dir.resolve("index").toString();
    NeighboursFixtures.mixture(spark, corpus, 3000, DIMENSION, 60, 0);
    NeighboursFixtures.mixture(spark, queries, 150, DIMENSION, 60, 1_000_000);
    assertEquals(0, build(corpus, index, 4, 42, false, false));
  }

  private static int build(String table, String output, Integer lists, long seed, boolean incremental,
      boolean overwrite) {
    return new IndexBuildJob(spark, new PrintWriter(new StringWriter())).run(new BuildRequest(table, output, lists, 16,
        100, VectorMetric.EUCLIDEAN, seed, incremental, overwrite));
  }

  private static List<Row> query(QueryRequest request) {
    assertEquals(0, new IndexQueryJob(spark, new PrintWriter(new StringWriter())).run(request));
    return spark.read().parquet(request.output()).orderBy("query_id").collectAsList();
  }

  private static float[] vector(Row row) {
    List<Float> values = row.getList(row.fieldIndex("embedding"));
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = values.get(i);
    }
    return v;
  }

  @Test
  void theMetadataDescribesTheIndex() throws Exception {
    IndexMetadata metadata = IndexDirectory.open(index, new Configuration());
    assertEquals(3000, metadata.rows());
    assertEquals(DIMENSION, metadata.dimension());
    assertEquals(4, metadata.listCount());
    assertEquals("euclidean", metadata.metric());
    assertEquals("mixture-seed-42", metadata.model());
    assertEquals(3000, metadata.lists().stream().mapToInt(ListFile::items).sum());
    assertTrue(metadata.lists().stream().allMatch(l -> l.items() > 0), "K-means gives every list members");
  }

  @Test
  void theExactSearchIsAPlainLoopsSearch() {
    String out = dir.resolve("exact").toString();
    List<Row> found = query(new QueryRequest(index, queries, false, 7, 4, 64, null, true, out, null, true));
    List<Row> corpusRows = NeighboursFixtures.read(spark, corpus);
    List<Row> queryRows = NeighboursFixtures.read(spark, queries);
    assertEquals(queryRows.size(), found.size());
    for (int q = 0; q < queryRows.size(); q++) {
      float[] query = vector(queryRows.get(q));
      List<long[]> ranked = new ArrayList<>();
      Map<Long, Double> distance = new HashMap<>();
      for (Row r : corpusRows) {
        distance.put(r.getLong(0), Math.sqrt(VectorMetric.squared(query, vector(r))));
      }
      List<Long> ids = new ArrayList<>(distance.keySet());
      ids.sort(Comparator.comparingDouble((Long id) -> distance.get(id)).thenComparing(id -> id));
      Row row = found.get(q);
      assertEquals(queryRows.get(q).getLong(0), row.getLong(0));
      List<Long> neighbours = row.getList(3);
      List<Double> distances = row.getList(6);
      assertEquals(ids.subList(0, 7), neighbours, "query " + row.getLong(0));
      for (int i = 0; i < 7; i++) {
        assertEquals(distance.get(neighbours.get(i)), distances.get(i), 1e-4);
      }
      ranked.clear();
    }
  }

  @Test
  void theIndexFindsWhatTheExactSearchFinds() {
    double recall = recallAgainstExactSearch(index, "recall");
    assertTrue(recall >= 0.95, "recall@10 of the index with nprobe 2 of 4: " + recall);
  }

  /**
   * recall@10 of the index at {@code indexDir} with nprobe 2 of its 4 lists against the exact
   * search of the same queries; checks that every answer has 10 hits, nearest first. The two
   * result tables go to {@code name-exact} and {@code name-index}.
   */
  private double recallAgainstExactSearch(String indexDir, String name) {
    List<Row> exact = query(new QueryRequest(indexDir, queries, false, 10, 4, 64, null, true,
        dir.resolve(name + "-exact").toString(), null, true));
    List<Row> approximate = query(new QueryRequest(indexDir, queries, false, 10, 2, 64, null, false,
        dir.resolve(name + "-index").toString(), null, true));
    double hits = 0;
    for (int q = 0; q < exact.size(); q++) {
      Set<Long> truth = new HashSet<>(exact.get(q).getList(3));
      List<Long> got = approximate.get(q).getList(3);
      assertEquals(10, got.size());
      List<Double> d = approximate.get(q).getList(6);
      for (int i = 1; i < d.size(); i++) {
        assertTrue(d.get(i - 1) <= d.get(i), "nearest first");
      }
      hits += got.stream().filter(truth::contains).count();
    }
    return hits / (10.0 * exact.size());
  }

  @Test
  void theRecallCommandMeasuresTheSame() throws Exception {
    Path json = dir.resolve("recall.json");
    StringWriter out = new StringWriter();
    assertEquals(0, new RecallJob(spark, new PrintWriter(out, true)).run(new RecallRequest(index, null, 200, 10, 4,
        64, 7, json.toString())));
    assertTrue(out.toString().contains("recall@10 = "), out.toString());
    Map<?, ?> figures = new com.fasterxml.jackson.databind.ObjectMapper().readValue(json.toFile(), Map.class);
    assertEquals(200, ((Number) figures.get("queries")).intValue());
    assertTrue(((Number) figures.get("recall_at_k")).doubleValue() >= 0.95, figures.toString());
  }

  @Test
  void selfQueriesNeverFindThemselves() {
    List<Row> found = query(new QueryRequest(index, null, true, 3, 2, 32, null, false,
        dir.resolve("self").toString(), null, true));
    assertEquals(3000, found.size());
    for (Row row : found) {
      assertFalse(row.getList(3).contains(row.getLong(0)), "query " + row.getLong(0) + " is not its own neighbour");
    }
  }

  @Test
  void nearDuplicatePairsComeOnceEachWithoutSelfPairs() {
    String table = dir.resolve("dups-table").toString();
    List<Row> rows = new ArrayList<>();
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    Set<String> planted = new HashSet<>();
    for (int i = 0; i < 400; i++) {
      float[] v = new float[8];
      for (int j = 0; j < v.length; j++) {
        v[j] = (float) (random.nextDouble() * 100);
      }
      rows.add(NeighboursFixtures.row(i, null, v, null));
      if (i % 40 == 0) {
        float[] copy = v.clone();
        copy[0] += 0.01f;
        rows.add(NeighboursFixtures.row(10_000 + i, null, copy, null));
        planted.add(i + "-" + (10_000 + i));
      }
    }
    NeighboursFixtures.table(spark, table, rows);
    String dupIndex = dir.resolve("dups-index").toString();
    assertEquals(0, build(table, dupIndex, 3, 42, false, true));
    for (boolean exact : new boolean[] {false, true}) {
      List<Row> pairs = spark.read().parquet(query(dupIndex, exact)).collectAsList();
      Set<String> found = new HashSet<>();
      for (Row p : pairs) {
        assertTrue(p.getLong(0) < p.getLong(3), "smaller id first: " + p);
        assertTrue(p.getDouble(6) <= 0.5);
        assertTrue(found.add(p.getLong(0) + "-" + p.getLong(3)), "each pair once: " + p);
      }
      assertEquals(planted, found, exact ? "exact" : "index");
    }
  }

  private static String query(String dupIndex, boolean exact) {
    String out = dir.resolve("dups-" + exact).toString();
    assertEquals(0, new IndexQueryJob(spark, new PrintWriter(new StringWriter())).run(new QueryRequest(dupIndex, null,
        true, 5, 3, 32, 0.5, exact, out, null, true)));
    return out;
  }

  @Test
  void theSameSeedGivesTheSameIndexAndAnotherSeedAnother() throws Exception {
    String again = dir.resolve("again").toString();
    String other = dir.resolve("other").toString();
    assertEquals(0, build(corpus, again, 4, 42, false, true));
    assertEquals(0, build(corpus, other, 4, 43, false, true));
    Configuration conf = new Configuration();
    IndexMetadata first = IndexDirectory.open(index, conf);
    IndexMetadata second = IndexDirectory.open(again, conf);
    IndexMetadata third = IndexDirectory.open(other, conf);
    assertEquals(first.lists(), second.lists(), "same files: sizes and CRC-32s");
    for (int c = 0; c < first.listCount(); c++) {
      assertArrayEquals(first.centroids()[c], second.centroids()[c]);
    }
    assertNotEquals(first.lists(), third.lists());
  }

  @Test
  void anIncrementalBuildAddsTheNewRows() throws Exception {
    String part = dir.resolve("part").toString();
    spark.read().parquet(corpus).where("id < 2000").write().parquet(part);
    String grown = dir.resolve("grown").toString();
    assertEquals(0, build(part, grown, 4, 42, false, false));
    assertEquals(0, build(corpus, grown, null, 42, true, false));
    IndexMetadata metadata = IndexDirectory.open(grown, new Configuration());
    assertEquals(3000, metadata.rows());
    assertEquals(2, metadata.generation());
    Set<Long> ids = new HashSet<>(NeighbourIndex.open(grown, new Configuration())
        .items(org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()))
        .map(Item::id).collect());
    assertEquals(3000, ids.size());
    double recall = recallAgainstExactSearch(grown, "grown");
    assertTrue(recall >= 0.95, "recall@10 after adding a third: " + recall);
    StringWriter out = new StringWriter();
    assertEquals(0, new IndexBuildJob(spark, new PrintWriter(out, true)).run(new BuildRequest(corpus, grown, null, 16,
        100, VectorMetric.EUCLIDEAN, 42, true, false)));
    assertTrue(out.toString().contains("nothing to add"), out.toString());
    assertEquals(2, IndexDirectory.open(grown, new Configuration()).generation());
  }
}
