package dev.magnet.core.cluster;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fitted K-means clustering.
 *
 * @param centroids [k', dim] cluster centres, in the data's data type; k' is below the requested k
 *     when the data has fewer distinct points than k
 * @param assignment the centroid row of each data row
 * @param inertia sum of squared distances of the rows to their centroids
 * @param iterations Lloyd assignment steps run (at most the requested maximum)
 */
public record KMeansResult(INDArray centroids, int[] assignment, double inertia, int iterations) {}
