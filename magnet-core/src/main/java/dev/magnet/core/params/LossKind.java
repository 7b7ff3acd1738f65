package dev.magnet.core.params;

/** What the network is trained with; the two baselines share the network, data and pipeline. */
public enum LossKind {
  /** The Magnet loss on neighbourhoods of M clusters × D examples. */
  MAGNET,
  /** Softmax cross-entropy over the classes; the embedding is the penultimate layer. */
  SOFTMAX,
  /** Batch-hard triplet loss on batches of P classes × K examples. */
  TRIPLET
}
