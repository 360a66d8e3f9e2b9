package io.marketprism.collector.book;

/** What a {@link BookSync} did with one book message. */
public enum SyncOutcome {
  /** The book changed and is known good: the caller may publish it. */
  APPLIED,
  /** Held until a snapshot arrives (Binance diffs before the REST snapshot). */
  BUFFERED,
  /** Not applied and harmless: older than the book, or arrived while waiting for a snapshot. */
  SKIPPED,
  /** A sequence break: the book is unsynced and needs a resync. */
  GAP,
  /** The exchange checksum did not match: the book is unsynced and needs a resync. */
  CHECKSUM_FAILED;

  /** @return true when the book must be rebuilt from a new snapshot */
  public boolean needsResync() {
    return this == GAP || this == CHECKSUM_FAILED;
  }
}
