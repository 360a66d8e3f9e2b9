package io.marketprism.platform.bus;

import java.time.Duration;

/**
 * What a durable consumer reads and how it batches.
 *
 * @param stream the stream name (JetStream), e.g. {@code MARKET_DATA}
 * @param durable the durable consumer name; consumers with one name share the work and resume where it stopped
 * @param filterSubject the subjects to read, e.g. {@code >} or {@code trade.>}
 * @param batchSize largest batch handed to the handler
 * @param maxWait longest wait to fill a batch before a partial one is handed over
 * @param ackWait how long the bus waits for an ack before it delivers again (kept alive while the handler works)
 * @param batchesInFlight batches handed to the handler and not yet committed, at most: while one commits the
 *     next is already fetched and handed over (a bus may hand fewer)
 */
public record ConsumerSpec(String stream, String durable, String filterSubject, int batchSize, Duration maxWait,
    Duration ackWait, int batchesInFlight) {

  /** Checks the bounds. */
  public ConsumerSpec {
    if (batchSize < 1 || batchesInFlight < 1) {
      throw new IllegalArgumentException("batchSize and batchesInFlight must be at least 1");
    }
    if (maxWait.isNegative() || maxWait.isZero() || ackWait.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("maxWait must be positive and ackWait at least 1 s");
    }
  }
}
