package io.marketprism.collector.book;

import io.marketprism.model.Exchange;

/**
 * Deribit order book ({@code book.<instrument>.raw} / {@code .100ms}): a message without
 * {@code prev_change_id} is a snapshot; every other must have {@code prev_change_id} equal to the
 * previous {@code change_id}. A break unsyncs the book until the next snapshot (the I/O layer
 * resubscribes). Published records carry {@code last_update_id} = {@code change_id}.
 */
public final class DeribitBookSync extends ChainedBookSync {

  /**
   * @param stats shared counters
   * @param depth levels per side in published records
   */
  public DeribitBookSync(BookStats stats, int depth) {
    super(Exchange.DERIBIT, stats, depth, true);
  }
}
