package dev.magnet.spark.data.image;

import dev.magnet.core.params.EnumSpelling;

/**
 * Why an input file was not embedded or trained on; the {@code reason} column of the rejects
 * tables ({@code embed}'s, and {@code <model>/rejects} of a training run).
 */
public enum RejectReason {
  /** The file has no bytes. */
  EMPTY,
  /** The file was listed but was gone when read (deleted or moved meanwhile), or is a symbolic link to nothing. */
  MISSING,
  /**
   * The file cannot be read: permission denied, an I/O error, a symbolic link that loops, a folder
   * that cannot be listed. The detail is the file system's message.
   */
  UNREADABLE,
  /** No ImageIO reader recognises the bytes (not JPEG, PNG, BMP, GIF or WBMP: a text file, random bytes). */
  UNKNOWN_FORMAT,
  /** A reader recognises the format but the image does not decode cleanly (truncated, damaged, unsupported variant). */
  CORRUPT,
  /**
   * More bytes than {@link ImageFiles#MAX_FILE_BYTES}, refused before reading, or more pixels than
   * {@link ImageDecoder#MAX_PIXELS}, refused before decoding: a huge file or a bogus header cannot
   * exhaust memory.
   */
  TOO_LARGE,
  /** Training and evaluation: the file has no class (it lies directly in the root, or {@code --labels} does not list it). */
  UNLABELLED,
  /** Validation and evaluation: its class (folder or label) is none of the training data's or the model's. */
  UNKNOWN_CLASS;

  /** The value written in the rejects table and printed in the summary: the {@link EnumSpelling} ("unknown-class"). */
  public String spelling() {
    return EnumSpelling.of(this);
  }
}
