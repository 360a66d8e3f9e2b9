package io.marketprism.collector.backfill;

/**
 * Trades of one instrument that did not arrive on its live stream: every sequence number strictly
 * between {@code afterSeq} and {@code beforeSeq}.
 *
 * @param exchangeSymbol the instrument
 * @param afterSeq the last sequence number received before the gap
 * @param beforeSeq the first one received after it, or {@link #OPEN} when none has arrived yet
 *     (a reconnect on a quiet market): then the gap runs up to whatever the exchange has now
 * @param lastTsMs trade time of the trade at {@code afterSeq}
 * @param reconnect whether a reconnect opened it (else a jump in a consecutive id stream)
 * @param restarted whether it spans a restart of the collector: {@code afterSeq} is a mark an
 *     earlier run saved (then {@code reconnect} is true as well)
 * @param sinceMs no trade of the gap is older than this: how old the gap is ({@code lastTsMs},
 *     or across a restart when the saved mark was last known current)
 */
public record TradeGap(String exchangeSymbol, long afterSeq, long beforeSeq, long lastTsMs, boolean reconnect,
    boolean restarted, long sinceMs) {

  /** {@link #beforeSeq} of a gap with no known end. */
  public static final long OPEN = Long.MAX_VALUE;

  /**
   * A gap within one run of the collector.
   *
   * @param exchangeSymbol the instrument
   * @param afterSeq the last sequence number received before the gap
   * @param beforeSeq the first one received after it, or {@link #OPEN}
   * @param lastTsMs trade time of the trade at {@code afterSeq}
   * @param reconnect whether a reconnect opened it
   */
  public TradeGap(String exchangeSymbol, long afterSeq, long beforeSeq, long lastTsMs, boolean reconnect) {
    this(exchangeSymbol, afterSeq, beforeSeq, lastTsMs, reconnect, false, lastTsMs);
  }

  /**
   * A gap aged by its last trade.
   *
   * @param exchangeSymbol the instrument
   * @param afterSeq the last sequence number received before the gap
   * @param beforeSeq the first one received after it, or {@link #OPEN}
   * @param lastTsMs trade time of the trade at {@code afterSeq}
   * @param reconnect whether a reconnect opened it
   * @param restarted whether it spans a restart of the collector
   */
  public TradeGap(String exchangeSymbol, long afterSeq, long beforeSeq, long lastTsMs, boolean reconnect,
      boolean restarted) {
    this(exchangeSymbol, afterSeq, beforeSeq, lastTsMs, reconnect, restarted, lastTsMs);
  }

  /** @return whether the gap's end is known */
  public boolean bounded() {
    return beforeSeq != OPEN;
  }

  /**
   * @param consecutive whether every sequence number is a trade (Binance and OKX ids, Deribit
   *     {@code trade_seq})
   * @return trades missing, or -1 when it cannot be told
   */
  public long size(boolean consecutive) {
    return consecutive && bounded() ? beforeSeq - afterSeq - 1 : -1;
  }
}
