package io.marketprism.collector.feed;

import io.marketprism.model.MarketRecord;

/** Where the feeds put their records: the bus, on the record's subject. */
@FunctionalInterface
public interface RecordPublisher {

  /**
   * Publishes without blocking; failures are counted by the publisher.
   *
   * @param record the record
   */
  void publish(MarketRecord record);
}
