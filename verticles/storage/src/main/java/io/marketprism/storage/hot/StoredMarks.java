package io.marketprism.storage.hot;

import io.marketprism.model.MarketRecord;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the DuckDB writer knows of one table without asking it: per instrument the newest stored
 * {@code ts_ms}, and for tables whose identity is a key column (trade id, book update id) the keys
 * stored in the last {@link #WINDOW_MS} before it. A record at or after the newest stored time
 * can only repeat a stored identity that lies in that window, so the writer tells new records from
 * repeats in memory and appends the new ones straight into the table. Used by the writer thread only.
 */
final class StoredMarks {

  /**
   * How far apart in {@code ts_ms} two copies of one identity are looked for: the same trade or
   * book update reported with another time differs by milliseconds, not a minute.
   */
  static final long WINDOW_MS = 60_000;

  private final boolean keyed;
  private final Map<String, Long> newest = new HashMap<>();
  /** Per instrument: key → ts_ms, in insertion order (about time order), pruned from the head. */
  private final Map<String, LinkedHashMap<String, Long>> recent = new HashMap<>();

  /**
   * @param keyed whether the table's identity is a key column rather than {@code ts_ms}
   */
  StoredMarks(boolean keyed) {
    this.keyed = keyed;
  }

  /**
   * @param r a record of this table
   * @return the instrument part of its identity
   */
  static String instrument(MarketRecord r) {
    return r.exchange().wire() + '\u0000' + r.marketType().wire() + '\u0000' + r.symbol();
  }

  /**
   * @param exchange exchange
   * @param marketType market type
   * @param symbol symbol
   * @return the instrument part of an identity
   */
  static String instrument(String exchange, String marketType, String symbol) {
    return exchange + '\u0000' + marketType + '\u0000' + symbol;
  }

  /**
   * Records a stored row (when loading the marks from the table).
   *
   * @param instrument the instrument
   * @param key the key column's value (ignored for tables keyed by time)
   * @param tsMs the row's time
   */
  void loaded(String instrument, String key, long tsMs) {
    newest.merge(instrument, tsMs, Math::max);
    if (keyed) {
      recent.computeIfAbsent(instrument, k -> new LinkedHashMap<>()).put(key, tsMs);
    }
  }

  /** What {@link #classify} says of a record. */
  enum Verdict {
    /** not stored: append it */
    NEW,
    /** stored already: leave it out */
    STORED,
    /** older than the newest stored: the table must be asked */
    UNKNOWN
  }

  /**
   * @param r a record of this table
   * @return whether it is new, a repeat, or must be checked against the table
   */
  Verdict classify(MarketRecord r) {
    String inst = instrument(r);
    Long mark = newest.get(inst);
    if (mark == null) {
      return Verdict.NEW;
    }
    if (!keyed) {
      return r.tsMs() > mark ? Verdict.NEW : Verdict.UNKNOWN;
    }
    if (r.tsMs() < mark) {
      return Verdict.UNKNOWN;
    }
    Map<String, Long> keys = recent.get(inst);
    return keys != null && keys.containsKey(r.identityKey()) ? Verdict.STORED : Verdict.NEW;
  }

  /**
   * Takes in the records of a committed batch (all of them stored now, by this batch or before).
   *
   * @param records the batch's records of this table
   */
  void committed(List<MarketRecord> records) {
    for (MarketRecord r : records) {
      newest.merge(instrument(r), r.tsMs(), Math::max);
    }
    if (!keyed) {
      return;
    }
    for (MarketRecord r : records) {
      String inst = instrument(r);
      if (r.tsMs() >= newest.get(inst) - WINDOW_MS) {
        recent.computeIfAbsent(inst, k -> new LinkedHashMap<>()).put(r.identityKey(), r.tsMs());
      }
    }
    for (Map.Entry<String, LinkedHashMap<String, Long>> e : recent.entrySet()) {
      long cutoff = newest.get(e.getKey()) - WINDOW_MS;
      Iterator<Long> it = e.getValue().values().iterator();
      while (it.hasNext() && it.next() < cutoff) {
        it.remove();
      }
    }
  }
}
