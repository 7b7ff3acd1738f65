package dev.magnet.spark.neighbours;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.hnsw.HnswGraph;

/**
 * A read-only HNSW graph held in arrays, as an index list file stores it: Lucene's searcher and
 * its incremental builder ({@code InitializedHnswGraphBuilder}) read it through the
 * {@link HnswGraph} API. Lucene's own graphs are either on-heap and built in place
 * ({@code OnHeapHnswGraph}, whose constructor is not public) or read from a Lucene segment; a
 * list file is neither, so this class is the bridge. Not thread-safe ({@link #seek} holds the
 * cursor), like Lucene's graphs: one per task.
 */
final class ArrayHnswGraph extends HnswGraph {
  private final int size;
  private final int entryNode;
  /** The nodes of each level above 0, sorted; level 0 holds every node and is null here. */
  private final int[][] levelNodes;
  /** {@code neighbours[level][position]}: the neighbours of the node at that position of the level. */
  private final int[][][] neighbours;
  private int[] current = new int[0];
  private int upto;

  ArrayHnswGraph(int size, int entryNode, int[][] levelNodes, int[][][] neighbours) {
    if (neighbours.length == 0 || neighbours[0].length != size) {
      throw new IllegalArgumentException("level 0 must hold every node; size=" + size + ", level 0="
          + (neighbours.length == 0 ? 0 : neighbours[0].length));
    }
    if (entryNode < 0 || entryNode >= size) {
      throw new IllegalArgumentException("entry node must be a node; entryNode=" + entryNode + ", size=" + size);
    }
    this.size = size;
    this.entryNode = entryNode;
    this.levelNodes = levelNodes;
    this.neighbours = neighbours;
  }

  /** A copy of any graph (an on-heap one just built, or extended). */
  static ArrayHnswGraph copyOf(HnswGraph graph) throws IOException {
    int levels = graph.numLevels();
    int[][] nodesOf = new int[levels][];
    int[][][] lists = new int[levels][][];
    for (int level = 0; level < levels; level++) {
      int[] nodes = NodesIterator.getSortedNodes(graph.getNodesOnLevel(level));
      nodesOf[level] = level == 0 ? null : nodes;
      lists[level] = new int[nodes.length][];
      List<Integer> buffer = new ArrayList<>();
      for (int i = 0; i < nodes.length; i++) {
        graph.seek(level, nodes[i]);
        buffer.clear();
        for (int n = graph.nextNeighbor(); n != DocIdSetIterator.NO_MORE_DOCS; n = graph.nextNeighbor()) {
          buffer.add(n);
        }
        lists[level][i] = buffer.stream().mapToInt(Integer::intValue).toArray();
      }
    }
    return new ArrayHnswGraph(graph.size(), graph.entryNode(), nodesOf, lists);
  }

  /** The sorted nodes of a level above 0. */
  int[] nodesOnLevel(int level) {
    return levelNodes[level];
  }

  /** The neighbours of the node at {@code position} of {@code level} (the node itself on level 0). */
  int[] neighboursAt(int level, int position) {
    return neighbours[level][position];
  }

  /** The number of nodes on a level. */
  int levelSize(int level) {
    return neighbours[level].length;
  }

  @Override
  public void seek(int level, int target) {
    int position = level == 0 ? target : Arrays.binarySearch(levelNodes[level], target);
    if (position < 0) {
      throw new IllegalStateException("node " + target + " is not on level " + level);
    }
    current = neighbours[level][position];
    upto = 0;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public int nextNeighbor() {
    return upto < current.length ? current[upto++] : DocIdSetIterator.NO_MORE_DOCS;
  }

  @Override
  public int numLevels() {
    return neighbours.length;
  }

  @Override
  public int entryNode() {
    return entryNode;
  }

  @Override
  public NodesIterator getNodesOnLevel(int level) {
    return level == 0 ? new ArrayNodesIterator(size) : new ArrayNodesIterator(levelNodes[level], levelNodes[level].length);
  }
}
