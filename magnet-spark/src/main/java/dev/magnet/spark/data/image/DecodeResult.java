package dev.magnet.spark.data.image;

import java.io.Serializable;
import java.util.Objects;

/** The outcome of decoding one file: its pixels, or why it cannot be used. */
public sealed interface DecodeResult extends Serializable permits DecodedImage, DecodeResult.Rejected {
  /**
   * A file that could not be used.
   *
   * @param reason the kind of failure
   * @param detail what the decoder said, for the rejects table
   */
  record Rejected(RejectReason reason, String detail) implements DecodeResult {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
      return "Rejected[" + reason.spelling() + ": " + detail + "]";
    }
  }
}
