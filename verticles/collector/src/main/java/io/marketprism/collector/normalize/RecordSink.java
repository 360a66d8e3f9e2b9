package io.marketprism.collector.normalize;

import io.marketprism.collector.book.BookUpdate;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.TradeRecord;

/** Receives what a parser makes of one message: finished records, and book messages to sync. */
public interface RecordSink {

  /**
   * @param record a normalized record
   */
  void record(MarketRecord record);

  /**
   * @param update a book snapshot or change, to be applied by the instrument's book sync
   */
  void book(BookUpdate update);

  /**
   * A trade with its place in the instrument's trade sequence (what gap detection and REST
   * backfill go by); sinks that do not care take it as a plain record.
   *
   * @param trade the trade record
   * @param sequence Binance trade or aggregate id, OKX trade id, Deribit {@code trade_seq};
   *     {@link SequencedTrade#NONE} when the exchange gave none usable
   */
  default void trade(TradeRecord trade, long sequence) {
    trade(trade, sequence, sequence);
  }

  /**
   * An aggregated trade (several matches pushed as one, as OKX's {@code trades} channel does): it
   * covers the sequence numbers {@code first..sequence}.
   *
   * @param trade the trade record
   * @param first the first sequence number it covers
   * @param sequence the last one (its id)
   */
  default void trade(TradeRecord trade, long first, long sequence) {
    record(trade);
  }

  /**
   * The same, as one object (which a buffering sink may keep as it is).
   *
   * @param trade the trade and its sequence numbers
   */
  default void trade(SequencedTrade trade) {
    trade(trade.trade(), trade.first(), trade.sequence());
  }
}
