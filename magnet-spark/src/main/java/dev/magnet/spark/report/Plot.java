package dev.magnet.spark.report;

/** The plots an {@link HtmlReport} may hold: each a PNG file of a fixed size next to {@code index.html}. */
public enum Plot {
  /** The mean training loss of every epoch. */
  LOSS("loss.png", 800, 450, "Training loss per epoch"),
  /** The held-out metrics measured after every epoch (1-NN, cluster rule, ...). */
  VALIDATION("validation.png", 800, 450, "Held-out metrics per epoch"),
  /** Seconds per phase of every epoch, stacked: embed, index, plan, materialise, fit. */
  PHASES("phases.png", 800, 450, "Time per phase per epoch"),
  /** The embedding sample and the model's cluster centroids on their first two principal components. */
  PROJECTION("projection.png", 1000, 720, "Embeddings projected on their first two principal components");

  private final String fileName;
  private final int width;
  private final int height;
  private final String caption;

  Plot(String fileName, int width, int height, String caption) {
    this.fileName = fileName;
    this.width = width;
    this.height = height;
    this.caption = caption;
  }

  /** The file's name in the report directory. */
  public String fileName() {
    return fileName;
  }

  /** Width in pixels. */
  public int width() {
    return width;
  }

  /** Height in pixels. */
  public int height() {
    return height;
  }

  public String caption() {
    return caption;
  }
}
