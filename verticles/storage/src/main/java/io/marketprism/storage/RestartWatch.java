package io.marketprism.storage;

import io.marketprism.platform.bus.ConsumerPosition;

import java.util.ArrayDeque;

/**
 * Watches the hot store's server for restarts when it does not sync what it commits (ClickHouse
 * answers an insert once a part's files are written, not synced: a power cut can lose what the
 * storage then acknowledged to the stream), and says what to read again from the stream after one:
 * every record committed in the {@code marginMs} before the server went away (the span the
 * machine may hold written files in memory, Linux writes them out within 30 s by default, and
 * before that ClickHouse its buffer tables, {@code storage.hot.buffer_seconds}).
 *
 * <p>The storage feeds it, every few seconds, the server's start time and where its durable consumer
 * stands ({@link ConsumerPosition}: the acknowledged floor and its stream time). A start later than
 * the one seen before is a restart; the records to read again are those after the floor the consumer
 * had {@code marginMs} before the server was last seen up, by stream time (stream times grow with the
 * sequence, so "from the floor's time" covers "after the floor"), up to what it had been delivered
 * at the first look the server did not answer (or at the look that saw the restart).
 * The first look (at the storage's start, before it commits) has no history: when the server
 * started after the consumer's last commit (by the two servers' clocks), it reads again from
 * {@code marginMs} before that commit's stream time. A storage that was storing a backlog when both
 * went down together committed records older than that; they are not read again.
 *
 * <p>A replay stores records older, by stream time, than the consumer's floor: every replay seen
 * storing within the margin before the server went away ({@link #replayRan}) is read again from its
 * own first stream time too (a second power cut soon after the first would otherwise lose what the
 * first one's replay stored again). At the storage's start these are the replays a stopped storage
 * left on the stream.
 *
 * <p>Pure: no I/O, so it is tested without servers. Its looks come from one thread.
 */
final class RestartWatch {

  /**
   * What to read again.
   *
   * @param sinceMs the first stream time
   * @param untilSeq the last stream sequence
   * @param why what was seen, for the log
   */
  record Owed(long sinceMs, long untilSeq, String why) {

    /** @return one replay that reads what both would (a restart seen while the replay of one before was owed) */
    Owed and(Owed later) {
      return new Owed(Math.min(sinceMs, later.sinceMs), Math.max(untilSeq, later.untilSeq), later.why);
    }
  }

  /** The consumer's acknowledged floor (and its stream time) at a moment the server was up. */
  private record Sample(long atMs, long floorSeq, long floorMs) {
  }

  /**
   * A server's start, as now minus its uptime in whole seconds, varies by a second between looks (a
   * clock stepped forward by more looks like a restart: the records are read again, and absorbed).
   */
  private static final long START_JITTER_MS = 1_000;

  private final long marginMs;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  /**
   * The replays that ran lately: their first stream time, and when each was last seen storing (a
   * replay's end is noted on its own thread).
   */
  private final java.util.Map<Long, Long> replaysRan = new java.util.concurrent.ConcurrentHashMap<>();
  private long knownStartMs = -1;
  private long lastUpMs;
  /** What the consumer had been delivered at the first look the server did not answer since it was last up; or -1. */
  private long deliveredWhenAway = -1;

  /** @param marginMs how long before the server went away a commit may not have reached its disk */
  RestartWatch(long marginMs) {
    this.marginMs = marginMs;
  }

  /**
   * Notes a replay that is storing now (or just ended): its records are older, by stream time, than
   * the consumer's floor says, and a restart within the margin after must read them again too.
   *
   * @param nowMs now
   * @param sinceMs the replay's first stream time
   */
  void replayRan(long nowMs, long sinceMs) {
    replaysRan.merge(sinceMs, nowMs, Math::max);
  }

  /**
   * Notes a look the server did not answer: what the consumer had been delivered then bounds what it
   * committed before the server went away (nothing commits while it is away), so the replay after
   * its restart does not also read the backlog the live consumer stores meanwhile.
   *
   * @param pos the consumer's position at that look
   */
  void unanswered(ConsumerPosition pos) {
    if (deliveredWhenAway < 0) {
      deliveredWhenAway = pos.deliveredSeq();
    }
  }

  /**
   * @param nowMs the time of the look
   * @param serverStartMs the server's start, as it answered now
   * @param pos the consumer's position, read right before the server's start
   * @param beforeConsuming whether the storage has committed nothing yet: only then does the first
   *     look compare the server's start with the consumer's last commit (a later first look would
   *     find the storage's own commits, made while this server was up)
   * @return the records to read again, or null
   */
  Owed observe(long nowMs, long serverStartMs, ConsumerPosition pos, boolean beforeConsuming) {
    Owed owed = null;
    if (pos.deliveredSeq() == 0) {
      // nothing was ever delivered: nothing committed to lose
    } else if (knownStartMs < 0) {
      if (beforeConsuming && pos.ackFloorSeq() > 0 && pos.ackFloorMs() >= 0 && serverStartMs > pos.ackFloorMs()) {
        owed = new Owed(withReplaysSince(pos.ackFloorMs() - marginMs, Long.MIN_VALUE), pos.deliveredSeq(), "the hot store's server started at "
            + java.time.Instant.ofEpochMilli(serverStartMs) + ", after the last records committed (stream time "
            + java.time.Instant.ofEpochMilli(pos.ackFloorMs()) + ")");
      }
    } else if (serverStartMs > knownStartMs + START_JITTER_MS) {
      owed = new Owed(withReplaysSince(sinceBefore(lastUpMs - marginMs), lastUpMs - marginMs),
          deliveredWhenAway > 0 ? deliveredWhenAway : pos.deliveredSeq(), "the hot store's server restarted (at "
          + java.time.Instant.ofEpochMilli(serverStartMs) + "; last seen up at "
          + java.time.Instant.ofEpochMilli(lastUpMs) + ")");
      samples.clear();
    }
    knownStartMs = serverStartMs;
    lastUpMs = nowMs;
    deliveredWhenAway = -1;
    samples.addLast(new Sample(nowMs, pos.ackFloorSeq(), pos.ackFloorMs()));
    // keep the newest sample at least a margin old, and those after it; and the replays that ran within the margin
    while (samples.size() > 1 && secondOldest().atMs() <= nowMs - marginMs) {
      samples.removeFirst();
    }
    replaysRan.values().removeIf(ranMs -> ranMs < nowMs - marginMs);
    return owed;
  }

  /**
   * @param sinceMs the first stream time the consumer's floors call for
   * @param ranAfterMs only the replays seen storing since then count
   * @return the earlier of it and the first stream time of each such replay
   */
  private long withReplaysSince(long sinceMs, long ranAfterMs) {
    long since = sinceMs;
    for (var r : replaysRan.entrySet()) {
      if (r.getValue() >= ranAfterMs) {
        since = Math.min(since, r.getKey());
      }
    }
    return since;
  }

  /** @return the server's start last seen, epoch ms; -1 before the first look */
  long serverStartMs() {
    return knownStartMs;
  }

  private Sample secondOldest() {
    var it = samples.iterator();
    it.next();
    return it.next();
  }

  /**
   * @return the stream time from which every record committed after {@code t} is read again: the
   *     floor's time of the newest sample at or before {@code t}; with no sample that old (the storage
   *     started less than a margin before), the earlier of the oldest floor's time and {@code t} itself
   */
  private long sinceBefore(long t) {
    Sample ref = null;
    for (Sample s : samples) {
      if (s.atMs() <= t) {
        ref = s;
      }
    }
    if (ref != null) {
      return Math.max(0, ref.floorMs());
    }
    Sample oldest = samples.peekFirst();
    return oldest == null ? t : Math.max(0, Math.min(oldest.floorMs(), t));
  }
}
