package io.marketprism.collector.normalize;

import io.marketprism.model.TradeRecord;

/**
 * A trade and its sequence numbers in its instrument's trade stream, as a parser hands it over.
 *
 * @param trade the record
 * @param first the first sequence number it covers (below {@code sequence} for an aggregate of
 *     several matches), or {@link #NONE}
 * @param sequence the exchange's sequential id of it, or {@link #NONE}
 */
public record SequencedTrade(TradeRecord trade, long first, long sequence) {

  /**
   * @param trade the record
   * @param sequence its sequential id, covering only itself
   */
  public SequencedTrade(TradeRecord trade, long sequence) {
    this(trade, sequence, sequence);
  }

  /** No usable sequence number. */
  public static final long NONE = -1;

  /**
   * @param id a trade id
   * @return its value when it is a non-negative decimal integer (Binance and OKX ids), else {@link #NONE}
   */
  public static long numeric(String id) {
    int n = id.length();
    if (n == 0 || n > 18) {
      return NONE;
    }
    long v = 0;
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return NONE;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
