package dev.magnet.spark.neighbours;

import java.io.Serializable;

/**
 * One row of an embeddings table as the index holds it: the id, the path and label when the table
 * has them (else null), and the vector, already prepared for the index's metric
 * ({@link VectorMetric#prepare}). Kryo ships it through Magnet's record serialiser
 * ({@code dev.magnet.spark.serde}).
 *
 * @param path the item's file (an image), or null
 * @param label the item's class name, or null
 */
public record Item(long id, String path, String label, float[] vector) implements Serializable {}
