package io.marketprism.storage.hot;

import io.marketprism.model.TradeRecord;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The 1-minute cells (instrument, minute) whose bars a writer must recompute, coalesced: a cell
 * is pending once however many batches touch it before the next flush. Each cell carries the
 * sequence number it was added under, so a flush can tell which log entries it covered.
 * Thread-safe.
 */
final class BarCells {

  /**
   * One bar of the bars table.
   *
   * @param exchange exchange wire name
   * @param marketType market type wire name
   * @param symbol symbol
   * @param minuteMs the minute's open time, epoch ms
   */
  record Cell(String exchange, String marketType, String symbol, long minuteMs) {

    static Cell of(TradeRecord t) {
      return new Cell(t.exchange().wire(), t.marketType().wire(), t.symbol(), Bars.minute(t.tsMs()));
    }

    /**
     * @param subject a trade's subject, {@code trade.exchange.market_type.symbol}
     * @param tsMs the trade's time
     * @return the trade's cell
     */
    static Cell of(String subject, long tsMs) {
      int a = subject.indexOf('.');
      int b = subject.indexOf('.', a + 1);
      int c = subject.indexOf('.', b + 1);
      return new Cell(subject.substring(a + 1, b), subject.substring(b + 1, c), subject.substring(c + 1),
          Bars.minute(tsMs));
    }
  }

  /**
   * What a flush takes.
   *
   * @param cells the cells to recompute
   * @param maxSeq the highest sequence number among them
   */
  record Drained(List<Cell> cells, long maxSeq) {
  }

  private final Map<Cell, Long> pending = new LinkedHashMap<>();
  private long seq;

  /**
   * Makes cells pending: those of a committed batch's trades, or recovered from a log.
   *
   * @param cells the cells
   * @return the cells that were not pending, now pending, with their sequence numbers
   */
  synchronized Map<Cell, Long> add(Collection<Cell> cells) {
    Map<Cell, Long> added = new LinkedHashMap<>();
    for (Cell c : cells) {
      if (!pending.containsKey(c)) {
        long s = ++seq;
        pending.put(c, s);
        added.put(c, s);
      }
    }
    return added;
  }

  /**
   * Takes back cells added by {@link #add} whose logging failed, unless a flush took them already.
   *
   * @param cells what {@link #add} returned
   */
  synchronized void forget(Map<Cell, Long> cells) {
    cells.forEach(pending::remove);
  }

  /** @return the pending cells, now no longer pending */
  synchronized Drained drain() {
    long max = 0;
    for (long s : pending.values()) {
      max = Math.max(max, s);
    }
    Drained d = new Drained(List.copyOf(pending.keySet()), max);
    pending.clear();
    return d;
  }

  /** @return whether nothing is pending */
  synchronized boolean isEmpty() {
    return pending.isEmpty();
  }

  /**
   * @param cells cells
   * @return the time ranges {@code [from, to)} their minutes cover, adjacent minutes merged, oldest first
   */
  static List<long[]> ranges(Collection<Cell> cells) {
    TreeSet<Long> minutes = new TreeSet<>();
    cells.forEach(c -> minutes.add(c.minuteMs()));
    List<long[]> out = new ArrayList<>();
    for (long m : minutes) {
      long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last[1] == m) {
        last[1] = m + Bars.MINUTE_MS;
      } else {
        out.add(new long[] {m, m + Bars.MINUTE_MS});
      }
    }
    return out;
  }
}
