package dev.magnet.spark.report;

import dev.magnet.core.cluster.ClusterIndex;

/**
 * The report's 2-D picture of the embedding space: a {@link Pca} fitted on the sample, applied
 * to the sample and to the index's centroids alike, so a centroid lands where an embedding equal
 * to it would. One-dimensional embeddings are drawn on the x axis (y = 0).
 *
 * @param points the sample's coordinates, [n][2]
 * @param labels the sample's classes
 * @param centroids the centroids' coordinates, [clusters][2]
 * @param centroidClasses the class of each centroid
 * @param explained the share of variance along x and y
 */
record Projection(double[][] points, int[] labels, double[][] centroids, int[] centroidClasses, double[] explained) {
  static Projection of(EmbeddingSample sample, ClusterIndex index) {
    ClusterIndex.checkDimension(index.dimension(), sample.dimension());
    float[][] embeddings = sample.embeddings();
    Pca pca = Pca.fit(embeddings, Math.min(2, sample.dimension()));
    double[][] points = new double[embeddings.length][];
    for (int i = 0; i < points.length; i++) {
      points[i] = plane(pca.project(embeddings[i]));
    }
    double[][] centroids = new double[index.numClusters()][];
    for (int j = 0; j < centroids.length; j++) {
      centroids[j] = plane(pca.project(index.centroid(j)));
    }
    return new Projection(points, sample.labels(), centroids, index.clusterClasses(), plane(pca.explainedVarianceRatio()));
  }

  private static double[] plane(double[] coordinates) {
    return coordinates.length == 2 ? coordinates : new double[] {coordinates[0], 0};
  }
}
