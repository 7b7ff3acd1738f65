package dev.magnet.spark.neighbours;

import java.io.IOException;
import java.util.Arrays;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopKnnCollector;
import org.apache.lucene.util.FixedBitSet;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.InitializedHnswGraphBuilder;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * The HNSW graph of one list, built, extended and searched with Lucene's
 * {@code org.apache.lucene.util.hnsw} (a kept library: Lucene's vector search, with its
 * diversity heuristic and seeded level assignment) over Euclidean similarity. Building is single
 * threaded with a fixed seed, so the same items in the same order give the same graph.
 */
final class ListGraphs {
  /** Lucene's default M (16): the neighbours a node keeps above level 0 (2M on level 0). */
  static final int DEFAULT_MAX_CONN = HnswGraphBuilder.DEFAULT_MAX_CONN;
  /** Lucene's default beam width while building (100). */
  static final int DEFAULT_BEAM_WIDTH = HnswGraphBuilder.DEFAULT_BEAM_WIDTH;

  private ListGraphs() {}

  private static RandomVectorScorerSupplier scorers(float[][] vectors, int dimension) throws IOException {
    return DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorerSupplier(VectorSimilarityFunction.EUCLIDEAN,
        RandomAccessVectorValues.fromFloats(Arrays.asList(vectors), dimension));
  }

  /** The graph of {@code vectors} (node i is vector i). */
  static ArrayHnswGraph build(float[][] vectors, int dimension, int maxConn, int beamWidth, long seed)
      throws IOException {
    HnswGraphBuilder builder = HnswGraphBuilder.create(scorers(vectors, dimension), maxConn, beamWidth, seed);
    OnHeapHnswGraph graph = builder.build(vectors.length);
    return ArrayHnswGraph.copyOf(graph);
  }

  /**
   * The graph of {@code vectors} whose first {@code existing.size()} nodes keep their place and
   * edges in {@code existing}; the rest are inserted as Lucene's incremental merge inserts new
   * documents into the largest segment's graph.
   */
  static ArrayHnswGraph extend(ArrayHnswGraph existing, float[][] vectors, int dimension, int maxConn, int beamWidth,
      long seed) throws IOException {
    int old = existing.size();
    int[] sameOrds = new int[old];
    for (int i = 0; i < old; i++) {
      sameOrds[i] = i;
    }
    FixedBitSet initialised = new FixedBitSet(vectors.length);
    initialised.set(0, old);
    InitializedHnswGraphBuilder builder = InitializedHnswGraphBuilder.fromGraph(scorers(vectors, dimension), maxConn,
        beamWidth, seed, existing, sameOrds, initialised, vectors.length);
    for (int node = old; node < vectors.length; node++) {
      builder.addGraphNode(node);
    }
    return ArrayHnswGraph.copyOf(builder.getCompletedGraph());
  }

  /**
   * The {@code k} nearest items of a list to {@code query} (prepared), leaving out the item with
   * id {@code excluded} (pass {@code Long.MIN_VALUE} to keep all), with a beam of at least
   * {@code ef} candidates. Distances are recomputed in double from the vectors.
   */
  static Hits search(IndexList list, float[] query, int k, int ef, long excluded) throws IOException {
    Hits.Collector hits = Hits.collector(k);
    if (list.size() == 0) {
      return hits.hits();
    }
    RandomVectorScorer scorer = DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(
        VectorSimilarityFunction.EUCLIDEAN, RandomAccessVectorValues.fromFloats(Arrays.asList(list.vectors()),
            list.dimension()), query);
    int beam = Math.min(list.size(), Math.max(ef, k + 1));
    TopKnnCollector collector = new TopKnnCollector(beam, Integer.MAX_VALUE);
    HnswGraphSearcher.search(scorer, collector, list.graph(), null);
    for (ScoreDoc doc : collector.topDocs().scoreDocs) {
      int node = doc.doc;
      long id = list.id(node);
      if (id != excluded) {
        hits.offer(id, VectorMetric.squared(query, list.vector(node)), list.path(node), list.label(node));
      }
    }
    return hits.hits();
  }
}
