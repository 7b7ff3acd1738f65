package dev.magnet.spark.embed;

import dev.magnet.spark.data.Example;
import java.io.Serializable;

/**
 * One input of the embedding job: an image file (its path, size, modification time and the class
 * folder it sits in; executors read and decode it) or an already decoded {@link Example} (IDX,
 * Parquet, synthetic data).
 *
 * <p>A plain serialisable class rather than a record: Spark's serialisers set fields
 * reflectively, which Java 17 refuses on a record's final fields.
 */
public final class EmbedItem implements Serializable {
  private static final long serialVersionUID = 1L;

  private long id;
  private String path;
  private String folder;
  private String label;
  private long size;
  private long modified;
  private Example example;

  /** For serialisers. */
  public EmbedItem() {}

  private EmbedItem(long id, String path, String folder, String label, long size, long modified, Example example) {
    this.id = id;
    this.path = path;
    this.folder = folder;
    this.label = label;
    this.size = size;
    this.modified = modified;
    this.example = example;
  }

  /**
   * An image file.
   *
   * @param folder the class folder the file sits in ({@code root/<folder>/...}); null for a file directly under the root
   * @param label the folder when it names one of the model's classes, else null
   * @param size the file's length when listed
   * @param modified the file's modification time when listed, ms since the epoch
   */
  public static EmbedItem image(long id, String path, String folder, String label, long size, long modified) {
    return new EmbedItem(id, path, folder, label, size, modified, null);
  }

  /** A decoded example and its class name (null when unknown). */
  public static EmbedItem example(Example example, String label) {
    return new EmbedItem(example.id(), null, null, label, -1, -1, example);
  }

  public long id() {
    return id;
  }

  /** The file's path; null for examples. */
  public String path() {
    return path;
  }

  public String folder() {
    return folder;
  }

  public String label() {
    return label;
  }

  /** The file's length when listed; -1 for examples. */
  public long size() {
    return size;
  }

  /** The file's modification time when listed (ms since the epoch); -1 for examples. */
  public long modified() {
    return modified;
  }

  /** The example; null for image files. */
  public Example example() {
    return example;
  }
}
