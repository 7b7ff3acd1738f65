package dev.magnet.spark.report;

import dev.magnet.core.cluster.ClusterIndex;
import dev.magnet.core.distance.Distances;
import dev.magnet.core.matrix.Matrices;
import dev.magnet.core.model.ModelArtifact;
import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import dev.magnet.spark.executor.ExampleEmbeddings;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The cluster exemplars of {@code train}'s report (docs/design.md, "Reports"): for each cluster of
 * the model's index, its class, its size and the {@value #EXEMPLARS} training examples nearest its
 * mean, as thumbnails of what the model read. An example belongs to the cluster the index would
 * assign it: the nearest centroid of its own class ({@link ClusterIndex#nearestClusterOfClass}).
 *
 * <p>The members are searched among a seeded sample of about {@value #SAMPLE} training examples,
 * embedded on the executors with the final network: only their embeddings, and then the pixels of
 * the exemplars shown, reach the driver. With more than {@value #MAX_CLUSTERS} clusters the page
 * shows the first {@value #MAX_CLUSTERS} (clusters are numbered by class, so the clusters of the
 * first classes) and says so.
 */
public final class ClusterExemplars {
  /** Exemplars per cluster: enough to see what a cluster gathers. */
  public static final int EXEMPLARS = 5;
  /** Training examples searched: about 60 per cluster at Fashion-MNIST's 10 classes x 8 clusters. */
  public static final int SAMPLE = 5_000;
  /** Cluster rows shown at most: 10 classes x 10 clusters, a long but readable page. */
  public static final int MAX_CLUSTERS = 100;
  /** The section's HTML id. */
  public static final String ID = "cluster-exemplars";

  private ClusterExemplars() {}

  /**
   * One exemplar.
   *
   * @param row its row among the searched embeddings
   * @param id its example id
   * @param distance its Euclidean distance to the cluster's centroid
   */
  public record Member(int row, long id, double distance) {}

  /** The section: thumbnails of the exemplars, or a paragraph saying that vectors have no pictures. */
  public static Pictures of(ModelArtifact model, SparkDataset train, long seed) {
    InputShape shape = train.inputShape();
    if (!ThumbnailSheet.pictures(shape)) {
      return Pictures.none(ID, "Cluster exemplars", "No pictures: the examples are vectors (" + shape
          + "), not images.");
    }
    long total = train.examples().count();
    JavaRDD<Example> sampled = total <= SAMPLE ? train.examples()
        : train.examples().sample(false, Math.min(1.0, 1.2 * SAMPLE / total), seed);
    ExampleEmbeddings.Collected collected = ExampleEmbeddings.collect(
        JavaSparkContext.fromSparkContext(train.examples().context()), sampled, shape, model.network()).sortedById();
    ClusterIndex index = model.index();
    Map<Integer, List<Member>> exemplars = select(index, collected.ids(),
        Matrices.toDoubleRows(collected.embeddings()), collected.labels());
    int shown = Math.min(index.numClusters(), MAX_CLUSTERS);
    Set<Long> ids = new HashSet<>();
    for (int c = 0; c < shown; c++) {
      exemplars.getOrDefault(c, List.of()).forEach(m -> ids.add(m.id()));
    }
    Map<Long, BufferedImage> pictures = ThumbnailSheet.fetch(train, ids);
    List<String> names = model.labelNames();
    ThumbnailSheet sheet = new ThumbnailSheet();
    StringBuilder html = new StringBuilder();
    html.append("<section id=\"").append(ID).append("\"><h2>Cluster exemplars</h2>\n<p>").append(String.format(
        Locale.ROOT, "For each cluster of the model's index: its class, its size (training examples at the index's"
            + " last refresh) and the %d members nearest its mean, among %,d of %,d training examples embedded"
            + " with the final network (a member is the nearest centroid of its class); the distance to the mean"
            + " under each. The pictures are the examples as the model read them.", EXEMPLARS,
        collected.ids().length, total));
    if (shown < index.numClusters()) {
      html.append(String.format(Locale.ROOT, " The first %d of %d clusters are shown.", shown, index.numClusters()));
    }
    html.append("</p>\n");
    for (int c = 0; c < shown; c++) {
      String name = names.get(index.clusterClass(c));
      List<Member> members = exemplars.getOrDefault(c, List.of());
      html.append("<div class=\"row\" data-cluster=\"").append(c).append("\" data-class=\"")
          .append(HtmlReport.escape(name)).append("\"><figure class=\"thumb\"><div class=\"label-box\">")
          .append(HtmlReport.escape(String.format(Locale.ROOT, "%s · cluster %d · %,d members", name, c,
              index.clusterSize(c))))
          .append("</div></figure>");
      if (members.isEmpty()) {
        html.append("<span> no sampled member</span>");
      }
      for (Member m : members) {
        html.append(sheet.figure("train-" + m.id(), Long.toString(m.id()), pictures.get(m.id()), name,
            String.format(Locale.ROOT, "d=%.4g", m.distance()), ThumbnailSheet.Border.NONE,
            "training example " + m.id() + ", " + name + ", cluster " + c));
      }
      html.append("</div>\n");
    }
    html.append("<p>").append(sheet.written()).append(" thumbnails, ").append(sheet.missing())
        .append(" examples without a picture.</p></section>\n");
    return new Pictures(ID, html.toString(), sheet.files());
  }

  /**
   * Each cluster's {@value #EXEMPLARS} members nearest its centroid (ties by id), nearest first;
   * clusters without a member are absent. An example of a class without clusters belongs to none.
   */
  public static Map<Integer, List<Member>> select(ClusterIndex index, long[] ids, double[][] embeddings,
      int[] labels) {
    Map<Integer, List<Member>> members = new TreeMap<>();
    for (int i = 0; i < ids.length; i++) {
      int cluster = index.nearestClusterOfClass(embeddings[i], labels[i]);
      if (cluster >= 0) {
        members.computeIfAbsent(cluster, c -> new ArrayList<>())
            .add(new Member(i, ids[i], Math.sqrt(Distances.squared(embeddings[i], index.centroid(cluster)))));
      }
    }
    Map<Integer, List<Member>> nearest = new TreeMap<>();
    members.forEach((cluster, list) -> nearest.put(cluster, list.stream()
        .sorted(Comparator.comparingDouble(Member::distance).thenComparingLong(Member::id)).limit(EXEMPLARS)
        .toList()));
    return nearest;
  }
}
