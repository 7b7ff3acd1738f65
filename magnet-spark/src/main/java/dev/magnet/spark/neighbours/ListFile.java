package dev.magnet.spark.neighbours;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * What the metadata records of one list file, so that a missing, truncated or replaced file is
 * found before any search: its name, item count, size in bytes and CRC-32.
 */
public record ListFile(@JsonProperty("file") String file, @JsonProperty("items") int items,
    @JsonProperty("bytes") long bytes, @JsonProperty("crc32") long crc32) implements Serializable {}
