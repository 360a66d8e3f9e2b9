package io.marketprism.collector.backfill;

import java.util.Map;

/**
 * How an exchange serves the past trades of one instrument over REST: the request of a page, its
 * direction and size. Forward pages (Binance {@code fromId}, Deribit {@code start_seq}) start at a
 * sequence number and go up; backward pages (OKX {@code after}) end below one and go down. A
 * {@link #recent} history (Binance futures {@code trades} without an API key) has one page only:
 * the newest trades, oldest first, whatever the gap.
 *
 * @param forward whether pages go up from a cursor (else down from it)
 * @param pageSize trades asked for per page: a shorter page is the last one
 * @param url the request of a page
 * @param headers sent with every request (an API key where the exchange wants one)
 * @param unavailable why this instrument's trades cannot be fetched, or {@code null} when they can
 * @param recentOnly whether only the {@code pageSize} most recent trades can be fetched (no paging)
 */
public record TradeHistory(boolean forward, int pageSize, PageUrl url, Map<String, String> headers,
    String unavailable, boolean recentOnly) {

  /** The URL of one page. */
  @FunctionalInterface
  public interface PageUrl {
    /**
     * @param cursor forward: the first sequence number wanted; backward: trades below it are
     *     wanted ({@link TradeGap#OPEN}: the newest)
     * @param last forward: the last sequence number wanted, or {@link TradeGap#OPEN} for all;
     *     ignored backward
     * @return the absolute URL
     */
    String url(long cursor, long last);
  }

  /**
   * A history paged by sequence number.
   *
   * @param forward whether pages go up from a cursor (else down from it)
   * @param pageSize trades asked for per page: a shorter page is the last one
   * @param url the request of a page
   * @param headers sent with every request
   * @param unavailable why the trades cannot be fetched, or {@code null} when they can
   */
  public TradeHistory(boolean forward, int pageSize, PageUrl url, Map<String, String> headers, String unavailable) {
    this(forward, pageSize, url, headers, unavailable, false);
  }

  /**
   * @param why the reason, for the log
   * @return a history that cannot be fetched
   */
  public static TradeHistory unavailable(String why) {
    return new TradeHistory(true, 0, null, Map.of(), why);
  }

  /**
   * @param size trades the request returns: the most recent ones, oldest first
   * @param url the request
   * @return a history of one page, the most recent trades
   */
  public static TradeHistory recent(int size, String url) {
    return new TradeHistory(true, size, (cursor, last) -> url, Map.of(), null, true);
  }

  /** @return whether pages can be fetched */
  public boolean available() {
    return unavailable == null;
  }
}
