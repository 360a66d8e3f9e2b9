package io.marketprism.collector.backfill;

/**
 * What one REST page of trades held: how many trades, their sequence range and the trade time of
 * the newest.
 *
 * @param trades trades in the page (before de-duplication)
 * @param minSeq smallest sequence number, or -1 when empty
 * @param maxSeq largest sequence number, or -1 when empty
 * @param maxSeqTsMs trade time of the trade at {@code maxSeq}
 */
public record TradePage(int trades, long minSeq, long maxSeq, long maxSeqTsMs) {

  /** A page with no trade. */
  public static final TradePage EMPTY = new TradePage(0, -1, -1, 0);

  /**
   * @param seq a trade's sequence number
   * @param tsMs its trade time
   * @return this page with the trade counted
   */
  public TradePage with(long seq, long tsMs) {
    if (trades == 0) {
      return new TradePage(1, seq, seq, tsMs);
    }
    boolean newest = seq > maxSeq;
    return new TradePage(trades + 1, Math.min(minSeq, seq), newest ? seq : maxSeq, newest ? tsMs : maxSeqTsMs);
  }
}
