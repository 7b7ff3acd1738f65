package dev.magnet.spark.embed;

import dev.magnet.spark.data.Example;
import java.io.Serializable;

/**
 * One input of the embedding job: an image file's bytes (with its path and the class folder it
 * sits in) or an already decoded {@link Example} (IDX, Parquet, synthetic data).
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
  private byte[] content;
  private Example example;

  /** For serialisers. */
  public EmbedItem() {}

  private EmbedItem(long id, String path, String folder, String label, byte[] content, Example example) {
    this.id = id;
    this.path = path;
    this.folder = folder;
    this.label = label;
    this.content = content;
    this.example = example;
  }

  /**
   * An image file.
   *
   * @param folder the class folder the file sits in ({@code root/<folder>/...}); null for a file directly under the root
   * @param label the folder when it names one of the model's classes, else null
   */
  public static EmbedItem image(long id, String path, String folder, String label, byte[] content) {
    return new EmbedItem(id, path, folder, label, content, null);
  }

  /** A decoded example and its class name (null when unknown). */
  public static EmbedItem example(Example example, String label) {
    return new EmbedItem(example.id(), null, null, label, null, example);
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

  /** The file's bytes; null for examples. */
  public byte[] content() {
    return content;
  }

  /** The example; null for image files. */
  public Example example() {
    return example;
  }
}
