package io.marketprism.collector.backfill;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The last trade sequence number seen per instrument on a live stream, and the gaps it shows: a
 * jump in a consecutive id stream, or (whatever the ids) the first trade after a reconnect. Older
 * or repeated numbers (the overlap of a reconnect, a reordered frame) are not gaps and do not move
 * the mark back. Pure; not thread-safe.
 *
 * <p>A live trade may aggregate several matches (an OKX push of {@code count} matches) while REST
 * lists every match on its own. {@link #missing} tells which fetched trades belong to a gap: those
 * strictly inside it, less the matches of live aggregates that arrived late (a reordered frame,
 * after the trade that revealed the gap), so that no match is published twice, once in an
 * aggregate and once on its own.
 *
 * <p>A mark saved by an earlier run of the collector ({@link #restore}) is taken like the mark of
 * an interrupted stream: the first live trade after it bounds the gap of the restart. Only there
 * an older sequence number with a later trade time is not an overlap but ids that started again
 * (another exchange environment, a fresh simulator): the restored mark is dropped for that trade
 * and reported by {@link #resets()}.
 */
public final class TradeSequences {

  /** {@link #restore}'s {@code quietFromMs} while the stream is not up yet: from the next {@link #resumed}. */
  public static final long NOT_YET = Long.MAX_VALUE;

  /** Late live aggregates remembered per instrument, at most. */
  private static final int LATE_AGGREGATES = 64;

  private static final class Mark {
    long seq;
    long tsMs;
    boolean resumed;
    long resumedAtMs;
    boolean restored;
    /** a restored mark: until when the earlier run knew it current */
    long watchedMs;
    /**
     * The mark an open gap ({@link #quiet}) was reported after, or -1: the first live trade then
     * bounds that gap, which was counted already, and opens no other (a fill moves the mark on).
     */
    long openAfter = -1;
    /** {first, last} of live aggregates that arrived below the mark, oldest first. */
    ArrayDeque<long[]> late;

    /** From when trades after the mark may be missing: a restored mark's watched time, else its trade's. */
    long since() {
      return resumed && restored ? watchedMs : tsMs;
    }

    void late(long first, long last) {
      if (late == null) {
        late = new ArrayDeque<>();
      } else if (late.size() >= LATE_AGGREGATES) {
        late.removeFirst();
      }
      late.addLast(new long[] {first, last});
    }

    boolean coveredLate(long seq) {
      if (late != null) {
        for (long[] r : late) {
          if (seq >= r[0] && seq <= r[1]) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /**
   * A restored mark dropped because the live ids started again below it.
   *
   * @param exchangeSymbol the instrument
   * @param restoredSeq the restored mark
   * @param restoredTsMs its trade time
   * @param liveSeq the live trade that replaced it
   * @param liveTsMs that trade's time
   */
  public record Reset(String exchangeSymbol, long restoredSeq, long restoredTsMs, long liveSeq, long liveTsMs) {
  }

  private final boolean consecutive;
  private final Map<String, Mark> marks = new HashMap<>();
  private final List<Reset> resets = new ArrayList<>();

  /**
   * @param consecutive whether every sequence number is a public trade, so that a jump is a loss
   */
  public TradeSequences(boolean consecutive) {
    this.consecutive = consecutive;
  }

  /** @return whether sequence numbers are consecutive */
  public boolean consecutive() {
    return consecutive;
  }

  /**
   * Records a live trade.
   *
   * @param exchangeSymbol the instrument
   * @param seq its sequence number
   * @param tsMs its trade time
   * @return the gap this trade closes, or {@code null}
   */
  public TradeGap observe(String exchangeSymbol, long seq, long tsMs) {
    return observe(exchangeSymbol, seq, seq, tsMs);
  }

  /**
   * Records a live trade that aggregates the matches {@code first..seq}.
   *
   * @param exchangeSymbol the instrument
   * @param first the first sequence number it covers
   * @param seq its (last) sequence number
   * @param tsMs its trade time
   * @return the gap this trade closes (ending before {@code first}), or {@code null}
   */
  public TradeGap observe(String exchangeSymbol, long first, long seq, long tsMs) {
    Mark m = marks.get(exchangeSymbol);
    if (m == null) {
      m = new Mark();
      m.seq = seq;
      m.tsMs = tsMs;
      marks.put(exchangeSymbol, m);
      return null;
    }
    if (seq <= m.seq) {
      if (m.restored && tsMs > m.tsMs) {
        resets.add(new Reset(exchangeSymbol, m.seq, m.tsMs, seq, tsMs));
        m.seq = seq;
        m.tsMs = tsMs;
        m.resumed = false;
        m.restored = false;
      } else if (first < seq) {
        m.late(first, seq);
      }
      return null;
    }
    TradeGap gap = null;
    boolean open = m.openAfter == m.seq;
    if (!open && (m.resumed && (!consecutive || first > m.seq + 1) || consecutive && first > m.seq + 1)) {
      gap = new TradeGap(exchangeSymbol, m.seq, Math.max(first, m.seq + 1), m.tsMs, m.resumed,
          m.resumed && m.restored, m.since());
    }
    m.openAfter = -1;
    m.seq = seq;
    m.tsMs = tsMs;
    m.resumed = false;
    m.restored = false;
    return gap;
  }

  /**
   * Whether a trade fetched over REST for a gap is one the live stream missed: its sequence number
   * lies strictly inside the gap and no live aggregate that arrived late carried it.
   *
   * @param gap the gap being filled
   * @param seq the fetched trade's sequence number
   * @return whether to publish it
   */
  public boolean missing(TradeGap gap, long seq) {
    if (seq <= gap.afterSeq() || seq >= gap.beforeSeq()) {
      return false;
    }
    Mark m = marks.get(gap.exchangeSymbol());
    return m == null || !m.coveredLate(seq);
  }

  /**
   * Takes a mark saved by an earlier run, unless the instrument has one already: the next live
   * trade is checked against it as after a reconnect, and {@link #quiet} opens its gap when none
   * comes. The gap is aged from the time the earlier run last knew the mark current.
   *
   * @param exchangeSymbol the instrument
   * @param saved the saved mark
   * @param quietFromMs when the quiet period starts: now when the stream is up, else {@link #NOT_YET}
   * @return whether it was taken
   */
  public boolean restore(String exchangeSymbol, TradeMarkFile.Mark saved, long quietFromMs) {
    if (marks.containsKey(exchangeSymbol)) {
      return false;
    }
    Mark m = new Mark();
    m.seq = saved.seq();
    m.tsMs = saved.tsMs();
    m.watchedMs = saved.watchedMs();
    m.resumed = true;
    m.resumedAtMs = quietFromMs;
    m.restored = true;
    marks.put(exchangeSymbol, m);
    return true;
  }

  /** @return the restored marks dropped since the last call (ids that started again below them) */
  public List<Reset> resets() {
    if (resets.isEmpty()) {
      return List.of();
    }
    List<Reset> out = List.copyOf(resets);
    resets.clear();
    return out;
  }

  /**
   * Every instrument's mark: the last sequence number handled, its trade time, and until when it
   * is known current. That is {@code nowMs} for a mark whose live stream has been up since its
   * trade (no {@link #interrupted} since, or a live trade or an open gap after one bounded what was
   * missed): nothing after it can have been missed, however long ago it traded. Otherwise only what
   * is known: the trade time after an interruption (trades may be missing from then on), or the
   * earlier run's time for a restored mark that nothing confirmed yet.
   *
   * @param nowMs the time
   * @return instrument → mark
   */
  public Map<String, TradeMarkFile.Mark> marks(long nowMs) {
    Map<String, TradeMarkFile.Mark> out = new HashMap<>();
    marks.forEach((sym, m) -> out.put(sym, new TradeMarkFile.Mark(m.seq, m.tsMs,
        !m.resumed ? nowMs : m.restored ? m.watchedMs : m.tsMs)));
    return out;
  }

  /**
   * The live stream was interrupted (the socket closed): the next trade of every instrument is
   * checked against the last one before.
   */
  public void interrupted() {
    for (Mark m : marks.values()) {
      m.resumed = true;
      m.resumedAtMs = Long.MAX_VALUE;
      m.openAfter = -1;
    }
  }

  /**
   * The live stream is back (a new socket subscribes): the quiet period of interrupted
   * instruments starts now.
   *
   * @param nowMs the time
   */
  public void resumed(long nowMs) {
    for (Mark m : marks.values()) {
      if (m.resumed) {
        m.resumedAtMs = nowMs;
      }
    }
  }

  /**
   * Gaps of instruments that have had no live trade for {@code quietMs} since the stream was
   * interrupted: they run up to whatever the exchange has now. Each is reported once.
   *
   * @param nowMs the time
   * @param quietMs how long to wait for a live trade to bound the gap
   * @return the open gaps
   */
  public List<TradeGap> quiet(long nowMs, long quietMs) {
    List<TradeGap> out = new ArrayList<>();
    marks.forEach((sym, m) -> {
      if (m.resumed && m.resumedAtMs != Long.MAX_VALUE && nowMs - m.resumedAtMs >= quietMs) {
        out.add(new TradeGap(sym, m.seq, TradeGap.OPEN, m.tsMs, true, m.restored, m.since()));
        m.resumed = false;
        m.openAfter = m.seq;
      }
    });
    return out;
  }

  /**
   * Moves the mark forward to trades fetched over REST (an open gap filled up to there), so the
   * next live trade is compared with them.
   *
   * @param exchangeSymbol the instrument
   * @param seq the newest sequence number fetched
   * @param tsMs its trade time
   */
  public void advance(String exchangeSymbol, long seq, long tsMs) {
    Mark m = marks.get(exchangeSymbol);
    if (m != null && seq > m.seq) {
      m.seq = seq;
      m.tsMs = tsMs;
    }
  }

  /**
   * @param exchangeSymbol the instrument
   * @return its last sequence number, or -1 when none was seen
   */
  public long last(String exchangeSymbol) {
    Mark m = marks.get(exchangeSymbol);
    return m == null ? -1 : m.seq;
  }

  /**
   * Forgets the instruments whose trades are no longer collected.
   *
   * @param collected whether an instrument's trades are still collected
   */
  public void retain(Predicate<String> collected) {
    marks.keySet().removeIf(collected.negate());
  }
}
