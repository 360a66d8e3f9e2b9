package io.marketprism.collector.book;

import io.marketprism.model.Exchange;
import java.util.ArrayDeque;

/**
 * Binance's local order book procedure: diff events are buffered until a REST snapshot arrives,
 * then replayed from the bridging event on.
 *
 * <ul>
 *   <li>Spot: drop events with {@code u <= lastUpdateId}; the first applied one must have
 *       {@code U <= lastUpdateId + 1 <= u}; then each {@code U == previous u + 1}.</li>
 *   <li>Futures (USDⓈ-M, COIN-M): drop events with {@code u < lastUpdateId}; the first applied one
 *       must have {@code U <= lastUpdateId <= u}; then each {@code pu == previous u}.</li>
 * </ul>
 *
 * A break clears the book and starts buffering again, keeping the breaking event, since the next
 * snapshot may be bridged by it.
 */
public final class BinanceDepthSync extends BookSync {

  /** Diffs held while waiting for a snapshot; older ones are dropped beyond this. */
  static final int MAX_BUFFERED = 10_000;

  private final boolean futures;
  private final ArrayDeque<BookUpdate> buffer = new ArrayDeque<>();
  /** After a snapshot, until the bridging diff: the snapshot's lastUpdateId. */
  private long awaitingBridgeFrom = BookUpdate.NONE;
  private long lastU = BookUpdate.NONE;

  /**
   * @param futures true for USDⓈ-M / COIN-M rules ({@code pu}), false for spot rules
   * @param stats shared counters
   * @param depth levels per side in published records
   */
  public BinanceDepthSync(boolean futures, BookStats stats, int depth) {
    super(Exchange.BINANCE, stats, depth);
    this.futures = futures;
  }

  @Override
  public SyncOutcome apply(BookUpdate u) {
    if (u.snapshot()) {
      return snapshot(u);
    }
    if (!synced()) {
      buffer.addLast(u);
      if (buffer.size() > MAX_BUFFERED) {
        buffer.removeFirst();
      }
      return SyncOutcome.BUFFERED;
    }
    return diff(u);
  }

  private SyncOutcome snapshot(BookUpdate s) {
    if (synced() && s.lastId() <= lastU) {
      // our book is already newer than this snapshot
      return SyncOutcome.SKIPPED;
    }
    loadSnapshot(s);
    stamp(s, s.lastId(), null);
    lastU = s.lastId();
    awaitingBridgeFrom = s.lastId();
    while (!buffer.isEmpty()) {
      SyncOutcome o = diff(buffer.pollFirst());
      if (o.needsResync()) {
        // the events from the break on stay buffered for the next snapshot
        return o;
      }
    }
    return SyncOutcome.APPLIED;
  }

  private SyncOutcome diff(BookUpdate u) {
    if (awaitingBridgeFrom != BookUpdate.NONE) {
      long snap = awaitingBridgeFrom;
      boolean stale = futures ? u.lastId() < snap : u.lastId() <= snap;
      if (stale) {
        return SyncOutcome.SKIPPED;
      }
      boolean bridges = futures ? u.firstId() <= snap && snap <= u.lastId()
          : u.firstId() <= snap + 1 && snap + 1 <= u.lastId();
      if (!bridges) {
        return breakAt(u);
      }
      awaitingBridgeFrom = BookUpdate.NONE;
    } else {
      if (u.lastId() <= lastU) {
        // a repeat of what the book already holds
        return SyncOutcome.SKIPPED;
      }
      boolean continuous = futures ? u.prevId() == lastU : u.firstId() == lastU + 1;
      if (!continuous) {
        return breakAt(u);
      }
    }
    applyChange(u);
    lastU = u.lastId();
    stamp(u, lastU, null);
    return SyncOutcome.APPLIED;
  }

  private SyncOutcome breakAt(BookUpdate u) {
    // during a replay the buffer still holds the events after u: keep them, in order
    buffer.addFirst(u);
    awaitingBridgeFrom = BookUpdate.NONE;
    lastU = BookUpdate.NONE;
    return gap();
  }
}
