package io.marketprism.collector.backfill;

/**
 * The pages that fill one {@link TradeGap}, as a pure state machine: {@link #nextUrl()} is the
 * request to send, {@link #accept(TradePage)} what came back. It stops when the gap is covered,
 * when the exchange has nothing more, or after {@code maxPages} (the rest is then unrecoverable).
 * A {@link TradeHistory#recentOnly recent-only} history stops after its one page; the part of the
 * gap older than that page's oldest trade is {@link #tooOld()}.
 */
public final class GapFill {

  /** What a page did to the fill. */
  public enum Step {
    /** Another page is needed: send {@link #nextUrl()}. */
    MORE,
    /** The gap is covered (or the exchange has no more trades in it). */
    DONE,
    /** The page budget is spent before the gap was covered. */
    LIMIT
  }

  private final TradeGap gap;
  private final TradeHistory history;
  private final int maxPages;
  private long cursor;
  private int pages;
  private long covered;
  private long oldest;

  /**
   * @param gap the gap
   * @param history the exchange's trade history of the instrument (available)
   * @param maxPages pages at most
   */
  public GapFill(TradeGap gap, TradeHistory history, int maxPages) {
    if (!history.available()) {
      throw new IllegalArgumentException("no trade history: " + history.unavailable());
    }
    this.gap = gap;
    this.history = history;
    this.maxPages = maxPages;
    this.cursor = history.forward() ? gap.afterSeq() + 1 : gap.beforeSeq();
    this.covered = history.forward() ? gap.afterSeq() : gap.beforeSeq();
    this.oldest = gap.afterSeq() + 1;
  }

  /** @return the gap */
  public TradeGap gap() {
    return gap;
  }

  /** @return pages accepted so far */
  public int pages() {
    return pages;
  }

  /** @return the request of the next page */
  public String nextUrl() {
    return history.url().url(cursor, gap.bounded() ? gap.beforeSeq() - 1 : TradeGap.OPEN);
  }

  /**
   * @param page what the last request returned
   * @return whether to go on
   */
  public Step accept(TradePage page) {
    pages++;
    if (page.trades() == 0) {
      return Step.DONE;
    }
    if (history.recentOnly()) {
      oldest = page.minSeq();
      covered = page.maxSeq();
      return Step.DONE;
    }
    if (history.forward()) {
      if (gap.bounded() && page.maxSeq() >= gap.beforeSeq() - 1 || page.trades() < history.pageSize()
          || page.maxSeq() < cursor) {
        covered = Math.max(covered, page.maxSeq());
        return Step.DONE;
      }
      cursor = page.maxSeq() + 1;
      covered = page.maxSeq();
    } else {
      if (page.minSeq() <= gap.afterSeq() + 1 || page.trades() < history.pageSize() || page.minSeq() >= cursor) {
        covered = Math.min(covered, page.minSeq());
        return Step.DONE;
      }
      cursor = page.minSeq();
      covered = page.minSeq();
    }
    return pages >= maxPages ? Step.LIMIT : Step.MORE;
  }

  /**
   * @return trades of the gap older than the oldest trade a recent-only history returned: no longer
   *     served (0 when none, or when the history pages back to any trade)
   */
  public long tooOld() {
    return Math.max(0, Math.min(oldest, gap.beforeSeq()) - gap.afterSeq() - 1);
  }

  /** @return the oldest sequence number a recent-only history returned (else the gap's first) */
  public long oldest() {
    return oldest;
  }

  /**
   * @return trades of a bounded gap in consecutive ids not covered by the pages so far, or -1 when
   *     it cannot be told
   */
  public long uncovered() {
    if (!gap.bounded()) {
      return -1;
    }
    return history.forward() ? Math.max(0, gap.beforeSeq() - 1 - covered) : Math.max(0, covered - gap.afterSeq() - 1);
  }
}
