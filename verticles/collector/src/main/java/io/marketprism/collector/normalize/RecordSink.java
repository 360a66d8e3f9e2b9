package io.marketprism.collector.normalize;

import io.marketprism.collector.book.BookUpdate;
import io.marketprism.model.MarketRecord;

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
}
