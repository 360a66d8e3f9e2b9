package io.marketprism.collector.book;

import io.marketprism.model.Exchange;

/**
 * Books whose every message names its predecessor (OKX {@code prevSeqId}, Deribit
 * {@code prev_change_id}): a snapshot, then changes whose previous id must equal the last id
 * applied; a checksum, where sent, is verified after every message. Updates that arrive while the
 * book waits for a snapshot are skipped.
 */
abstract class ChainedBookSync extends BookSync {

  private final boolean previousIdRequired;
  private long lastId = BookUpdate.NONE;

  /**
   * @param previousIdRequired whether a change without a previous id is a break (Deribit) or just
   *     predates the field (OKX before {@code seqId} existed)
   */
  ChainedBookSync(Exchange exchange, BookStats stats, int depth, boolean previousIdRequired) {
    super(exchange, stats, depth);
    this.previousIdRequired = previousIdRequired;
  }

  @Override
  public final SyncOutcome apply(BookUpdate u) {
    if (u.snapshot()) {
      loadSnapshot(u);
    } else if (!synced()) {
      return SyncOutcome.SKIPPED;
    } else if (breaksChain(u)) {
      return gap();
    } else {
      applyChange(u);
    }
    Boolean checksumOk = null;
    if (u.hasChecksum()) {
      if (!verifyChecksum(u.checksum())) {
        return checksumFailed();
      }
      checksumOk = Boolean.TRUE;
    }
    lastId = u.lastId();
    stamp(u, u.lastId() != BookUpdate.NONE ? u.lastId() : u.tsMs(), checksumOk);
    return SyncOutcome.APPLIED;
  }

  private boolean breaksChain(BookUpdate u) {
    if (u.prevId() == BookUpdate.NONE || lastId == BookUpdate.NONE) {
      return previousIdRequired;
    }
    return u.prevId() != lastId;
  }
}
