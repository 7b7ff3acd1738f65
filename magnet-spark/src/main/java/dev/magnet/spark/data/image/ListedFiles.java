package dev.magnet.spark.data.image;

import java.io.Serializable;

/**
 * Files of a listing in path order, as three arrays: each file's path, size in bytes and
 * modification time (ms since the epoch). {@link ImageFiles} is a whole listing, an
 * {@link ImageFiles.Split} a run of it that one task reads.
 *
 * <p>Fields are not final: Spark's serialisers set a split's fields reflectively.
 */
public abstract class ListedFiles implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The root's path (no scheme, no trailing slash), against which class folders are found. */
  String root;
  String[] paths;
  long[] sizes;
  long[] modified;

  /** For serialisers. */
  ListedFiles() {}

  ListedFiles(String root, String[] paths, long[] sizes, long[] modified) {
    this.root = root;
    this.paths = paths;
    this.sizes = sizes;
    this.modified = modified;
  }

  /** Files listed. */
  public int size() {
    return paths.length;
  }

  public String path(int i) {
    return paths[i];
  }

  public long fileSize(int i) {
    return sizes[i];
  }

  public long modified(int i) {
    return modified[i];
  }
}
