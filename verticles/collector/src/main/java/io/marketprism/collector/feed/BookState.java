package io.marketprism.collector.feed;

import io.marketprism.collector.book.BookSync;
import io.vertx.core.json.JsonObject;

/** What the I/O layer tracks of one instrument's book, next to its {@code BookSync}. */
final class BookState {

  /** The sync states shown in the status. */
  enum Sync {
    /** Waiting for the first snapshot (after subscribing or reconnecting). */
    SYNCING,
    /** Consistent with the exchange: published. */
    SYNCED,
    /** Lost sync (gap, checksum, stale): waiting for a new snapshot; not published. */
    RESYNCING
  }

  final String exchangeSymbol;
  Sync sync = Sync.SYNCING;
  long resyncs;
  long gaps;
  long checksumFailures;
  long stale;
  long lastChangeMs;
  long resyncStartedMs;
  long snapshotDueMs;
  boolean snapshotInFlight;
  boolean lostSync;
  /** The book's sync, which builds its record when it is published (null before the first applied message) */
  BookSync source;
  long lastPublishedId = Long.MIN_VALUE;
  /** When the book was last published, epoch µs (the receipt of the update that made it due, or the timer's time) */
  long lastPublishedUs;
  String lastReason = "";
  /** Why the last snapshot could not be had (an instrument the exchange does not list says so here); empty once synced */
  String lastSnapshotError = "";

  BookState(String exchangeSymbol, long now) {
    this.exchangeSymbol = exchangeSymbol;
    this.resyncStartedMs = now;
    this.lastChangeMs = now;
  }

  JsonObject toJson() {
    JsonObject j = new JsonObject().put("exchange_symbol", exchangeSymbol).put("state", sync.name().toLowerCase())
        .put("resyncs", resyncs).put("gaps", gaps).put("checksum_failures", checksumFailures).put("stale", stale);
    if (source != null) {
      j.put("symbol", source.symbol()).put("last_update_id", source.lastUpdateId());
    }
    if (!lastReason.isEmpty()) {
      j.put("last_resync_reason", lastReason);
    }
    if (!lastSnapshotError.isEmpty()) {
      j.put("last_snapshot_error", lastSnapshotError);
    }
    return j;
  }
}
