package dev.magnet.spark.report;

import dev.magnet.core.nn.InputShape;
import dev.magnet.spark.data.Example;
import dev.magnet.spark.data.SparkDataset;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The one renderer of thumbnail galleries (docs/design.md, "Reports"): {@code neighbours query
 * --report}'s gallery, {@code evaluate --report}'s retrieval gallery and worst failures, and the
 * cluster exemplars of {@code train}'s report. Each picture is a figure of at most
 * {@value #THUMBNAIL} px a side with a caption and a border that marks a query (blue), a neighbour
 * of the query's label (green), of another label (red), or nothing (grey); a row without a
 * picture shows its id in a box and is counted. The PNG files are kept in memory under
 * {@value #DIRECTORY}/ until the caller writes them beside its page: a gallery holds a few hundred
 * thumbnails of a few kB, never a data set.
 *
 * <p>{@link #pixels} renders an example's features as the model read them (8-bit planes scaled to
 * [0, 1]), so a thumbnail shows what the model saw: the IDX pixels, or an image file after the
 * model's recorded preprocessing.
 */
public final class ThumbnailSheet {
  /** Thumbnail side in pixels: ten to a row fit a 1100 px page. */
  public static final int THUMBNAIL = 96;
  /** The folder of the thumbnails, beside the page. */
  public static final String DIRECTORY = "thumbnails";
  /**
   * The style of the figures, for a page's {@code <style>}: small images are scaled up with
   * visible pixels rather than blurred.
   */
  public static final String STYLE = "figure.thumb{display:inline-block;margin:4px;text-align:center;"
      + "font-size:11px;vertical-align:top}figure.thumb img,.missing{border:4px solid #aaa;width:" + THUMBNAIL
      + "px;height:" + THUMBNAIL + "px;object-fit:contain;background:#fff;image-rendering:pixelated;max-width:none}"
      + ".missing{display:flex;align-items:center;justify-content:center;word-break:break-all}"
      + "figure.thumb .same{border-color:#2a9d3a}figure.thumb .different{border-color:#d62828}"
      + "figure.thumb .query{border-color:#1d4ed8}.row{margin-bottom:14px;white-space:nowrap}"
      + "figure.thumb .label-box{display:flex;align-items:center;justify-content:center;width:" + THUMBNAIL
      + "px;height:" + THUMBNAIL + "px;border:4px solid transparent;white-space:normal;font-size:12px}";

  /** What a thumbnail's border says. */
  public enum Border {
    /** The query a row is about. */
    QUERY("query"),
    /** A neighbour of the query's label. */
    SAME("same"),
    /** A neighbour of another label. */
    DIFFERENT("different"),
    /** Nothing: unlabelled, or no query to compare with. */
    NONE("");

    private final String css;

    Border(String css) {
      this.css = css;
    }

    /** The CSS class of the image. */
    public String css() {
      return css;
    }

    /** The border of a neighbour labelled {@code label} of a query labelled {@code queryLabel}; either may be null. */
    public static Border of(Object queryLabel, Object label) {
      if (queryLabel == null || label == null) {
        return NONE;
      }
      return queryLabel.equals(label) ? SAME : DIFFERENT;
    }
  }

  private final Map<String, byte[]> files = new LinkedHashMap<>();
  private final Map<String, String> done = new HashMap<>();
  private int missing;

  /**
   * A figure: the thumbnail of {@code image} (or a box with {@code id} when it is null), its
   * caption and label under it.
   *
   * @param key names the thumbnail file; the same key is drawn once ("train-17")
   * @param image the picture, of any size, or null
   * @param title the tooltip and alt text
   */
  public String figure(String key, String id, BufferedImage image, String label, String caption, Border border,
      String title) {
    String file = done.get(key);
    if (file == null && !done.containsKey(key)) {
      if (image != null) {
        file = DIRECTORY + "/" + key + ".png";
        files.put(file, png(scaled(image)));
      } else {
        missing++;
      }
      done.put(key, file);
    }
    String escapedTitle = HtmlReport.escape(title);
    String picture = file == null
        ? "<div class=\"missing " + border.css() + "\" title=\"" + escapedTitle + "\">" + HtmlReport.escape(id)
            + "</div>"
        : "<img class=\"" + border.css() + "\" src=\"" + file + "\" alt=\"" + escapedTitle + "\" title=\""
            + escapedTitle + "\">";
    return "<figure class=\"thumb\">" + picture + "<figcaption>" + HtmlReport.escape(caption)
        + (label == null ? "" : "<br>" + HtmlReport.escape(label)) + "</figcaption></figure>";
  }

  /** The thumbnails drawn so far, by their path relative to the page. */
  public Map<String, byte[]> files() {
    return Collections.unmodifiableMap(files);
  }

  /** Thumbnails written. */
  public int written() {
    return files.size();
  }

  /** Figures without a picture. */
  public int missing() {
    return missing;
  }

  /** Whether examples of {@code shape} are pictures: images of 1 (grey) or 3 (RGB) channels. */
  public static boolean pictures(InputShape shape) {
    return shape.kind() == InputShape.Kind.IMAGE && (shape.channels() == 1 || shape.channels() == 3);
  }

  /**
   * An example's features as a picture: its planes of {@code shape} (channel, row, column), each
   * value in [0, 1] shown as an 8-bit grey or colour level.
   */
  public static BufferedImage pixels(Example example, InputShape shape) {
    if (!pictures(shape) || example.size() != shape.size()) {
      throw new IllegalArgumentException("a picture needs an image of 1 or 3 channels with as many values as its"
          + " shape; shape=" + shape + ", values=" + example.size() + ", id=" + example.id());
    }
    float[] values = example.decode();
    int w = shape.width();
    int h = shape.height();
    int plane = w * h;
    BufferedImage image = new BufferedImage(w, h, shape.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY
        : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int i = y * w + x;
        if (shape.channels() == 1) {
          image.getRaster().setSample(x, y, 0, level(values[i]));
        } else {
          image.setRGB(x, y, level(values[i]) << 16 | level(values[plane + i]) << 8 | level(values[2 * plane + i]));
        }
      }
    }
    return image;
  }

  /**
   * The pictures of the examples of {@code data} whose ids are in {@code ids}: the id set is
   * broadcast and only those examples reach the driver.
   */
  public static Map<Long, BufferedImage> fetch(SparkDataset data, Set<Long> ids) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    JavaSparkContext spark = JavaSparkContext.fromSparkContext(data.examples().context());
    Broadcast<Set<Long>> wanted = spark.broadcast(new HashSet<>(ids));
    try {
      List<Example> found = data.examples().filter(e -> wanted.value().contains(e.id())).collect();
      Map<Long, BufferedImage> images = new HashMap<>();
      for (Example e : found) {
        images.put(e.id(), pixels(e, data.inputShape()));
      }
      return images;
    } finally {
      wanted.destroy();
    }
  }

  private static int level(float value) {
    return Math.max(0, Math.min(255, Math.round(value * 255f)));
  }

  /**
   * At most {@value #THUMBNAIL} px a side, as RGB (any colour model a file had is drawn into it); a
   * smaller image keeps its size (the page scales it up), a rendered grey one its type.
   */
  private static BufferedImage scaled(BufferedImage image) {
    double scale = Math.min(1.0, (double) THUMBNAIL / Math.max(image.getWidth(), image.getHeight()));
    if (scale == 1.0 && (image.getType() == BufferedImage.TYPE_BYTE_GRAY
        || image.getType() == BufferedImage.TYPE_INT_RGB)) {
      return image;
    }
    int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
    int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(image, 0, 0, w, h, null);
    g.dispose();
    return out;
  }

  private static byte[] png(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "png", out)) {
        throw new IllegalStateException("no PNG writer for an image of type " + image.getType());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }
}
