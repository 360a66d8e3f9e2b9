package io.marketprism.collector.normalize;

import io.marketprism.collector.book.BookUpdate;
import io.marketprism.collector.normalize.JsonScanner.Fallback;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.TradeRecord;
import java.util.ArrayList;

/**
 * What a fast-path parser made of one message, held until the whole message has been read: a
 * fast path that gives up half way must leave nothing behind for the general reader to repeat.
 * Not thread-safe: one per parser.
 */
public final class MessageOutput {

  private final ArrayList<Object> items = new ArrayList<>();

  /** A parser's fast path: fills this output, or gives up. */
  @FunctionalInterface
  public interface FastReader {
    /**
     * @param message the frame
     * @param recvTsUs receive time, epoch µs
     * @return false when the frame is not one the fast path reads
     * @throws Fallback when it gives up half way
     */
    boolean read(String message, long recvTsUs) throws Fallback;
  }

  /**
   * Runs a fast path on a frame; if it read the frame, hands its output to the sink.
   *
   * @param reader the fast path, which fills this output
   * @param message the frame
   * @param recvTsUs receive time, epoch µs
   * @param sink the parser's caller
   * @return false when the general reader must read the frame (nothing was emitted)
   */
  public boolean tryFast(FastReader reader, String message, long recvTsUs, RecordSink sink) {
    items.clear();
    boolean done;
    try {
      done = reader.read(message, recvTsUs);
    } catch (Fallback f) {
      done = false;
    }
    if (done) {
      emit(sink);
    } else {
      items.clear();
    }
    return done;
  }

  /** Forgets the previous message's output. */
  public void clear() {
    items.clear();
  }

  /**
   * @param record a finished record
   */
  public void add(MarketRecord record) {
    items.add(record);
  }

  /**
   * @param trade a trade
   * @param sequence its sequence number, or {@link SequencedTrade#NONE}
   */
  public void add(TradeRecord trade, long sequence) {
    items.add(new SequencedTrade(trade, sequence));
  }

  /**
   * @param trade an aggregated trade
   * @param first the first sequence number it covers
   * @param sequence the last one
   */
  public void add(TradeRecord trade, long first, long sequence) {
    items.add(new SequencedTrade(trade, first, sequence));
  }

  /**
   * @param update a book message
   */
  public void add(BookUpdate update) {
    items.add(update);
  }

  /**
   * Hands everything over, in order, and forgets it.
   *
   * @param sink the parser's caller
   */
  public void emit(RecordSink sink) {
    for (int i = 0, n = items.size(); i < n; i++) {
      Object o = items.get(i);
      if (o instanceof BookUpdate u) {
        sink.book(u);
      } else if (o instanceof SequencedTrade t) {
        sink.trade(t);
      } else {
        sink.record((MarketRecord) o);
      }
    }
    items.clear();
  }
}
