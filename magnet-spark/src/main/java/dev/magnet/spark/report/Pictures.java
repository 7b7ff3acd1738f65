package dev.magnet.spark.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A section of thumbnails on an {@link HtmlReport}: its HTML (heading included, already escaped)
 * and the image files it refers to by relative path ({@link ThumbnailSheet#files()}). A section
 * without pictures (vectors, not images) is a paragraph that says so, with no files.
 *
 * @param id the section's HTML id
 * @param html the section, from its {@code <h2>}
 * @param files the thumbnails by path relative to the page
 */
public record Pictures(String id, String html, Map<String, byte[]> files) {
  public Pictures {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(html, "html");
    files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
  }

  /** A section that says why it has no pictures. */
  static Pictures none(String id, String heading, String why) {
    return new Pictures(id, "<section id=\"" + id + "\"><h2>" + HtmlReport.escape(heading)
        + "</h2>\n<p class=\"no-pictures\">"
        + HtmlReport.escape(why) + "</p></section>\n", Map.of());
  }
}
