package dev.magnet.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The files of one model directory, wherever it lives. The core reads and writes artifacts
 * through this interface only, so the Spark module can store them on any Hadoop file system
 * (hdfs://, s3a://) while the core needs no Hadoop.
 */
public interface ArtifactStore {
  /** Opens a new file of the directory for writing. */
  OutputStream create(String name) throws IOException;

  /** Opens an existing file; {@link java.io.FileNotFoundException} naming it when absent. */
  InputStream open(String name) throws IOException;

  /** Where this store is, for messages. */
  String location();
}
