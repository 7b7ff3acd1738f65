package dev.magnet.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version of Magnet on the class path, as Maven wrote it into the jar's resources. */
public final class MagnetVersion {
  private static final String RESOURCE = "/dev/magnet/core/magnet.properties";

  private MagnetVersion() {}

  public static String get() {
    try (InputStream in = MagnetVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("Magnet's build resource is missing: " + RESOURCE);
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
