package dev.magnet.spark.data.image;

import java.io.Serializable;
import java.util.Objects;

/** The outcome of decoding one file: its pixels, or why it cannot be used. */
public sealed interface DecodeResult extends Serializable permits DecodedImage, DecodeResult.Rejected {
  /**
   * A file that could not be used. A plain class, for the reason {@link DecodedImage} is one.
   */
  final class Rejected implements DecodeResult {
    private static final long serialVersionUID = 1L;

    private RejectReason reason;
    private String detail;

    /** For serialisers. */
    public Rejected() {}

    /**
     * @param reason the kind of failure
     * @param detail what the decoder said, for the rejects table
     */
    public Rejected(RejectReason reason, String detail) {
      this.reason = Objects.requireNonNull(reason, "reason");
      this.detail = Objects.requireNonNull(detail, "detail");
    }

    public RejectReason reason() {
      return reason;
    }

    public String detail() {
      return detail;
    }

    @Override
    public String toString() {
      return "Rejected[" + reason.spelling() + ": " + detail + "]";
    }
  }
}
