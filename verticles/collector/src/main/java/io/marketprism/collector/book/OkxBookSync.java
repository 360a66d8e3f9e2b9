package io.marketprism.collector.book;

import io.marketprism.model.Exchange;

/**
 * OKX order book ({@code books}, {@code books-l2-tbt}, {@code books50-l2-tbt}): a snapshot, then
 * updates. The CRC32 checksum is verified after every message, and where the messages carry
 * {@code seqId}/{@code prevSeqId} each update's {@code prevSeqId} must equal the previous
 * {@code seqId}. Any failure unsyncs the book until the next snapshot (the I/O layer resubscribes).
 * Published records carry {@code last_update_id} = {@code seqId}, or {@code ts} where absent.
 */
public final class OkxBookSync extends ChainedBookSync {

  /**
   * @param stats shared counters
   * @param depth levels per side in published records
   */
  public OkxBookSync(BookStats stats, int depth) {
    super(Exchange.OKX, stats, depth, false);
  }
}
