package io.marketprism.collector.backfill;

import java.util.Map;

/**
 * How an exchange serves the past trades of one instrument over REST: the request of a page, its
 * direction and size. Forward pages (Binance {@code fromId}, Deribit {@code start_seq}) start at a
 * sequence number and go up; backward pages (OKX {@code after}) end below one and go down.
 *
 * @param forward whether pages go up from a cursor (else down from it)
 * @param pageSize trades asked for per page: a shorter page is the last one
 * @param url the request of a page
 * @param headers sent with every request (an API key where the exchange wants one)
 * @param unavailable why this instrument's trades cannot be fetched, or {@code null} when they can
 */
public record TradeHistory(boolean forward, int pageSize, PageUrl url, Map<String, String> headers,
    String unavailable) {

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
   * @param why the reason, for the log
   * @return a history that cannot be fetched
   */
  public static TradeHistory unavailable(String why) {
    return new TradeHistory(true, 0, null, Map.of(), why);
  }

  /** @return whether pages can be fetched */
  public boolean available() {
    return unavailable == null;
  }
}
