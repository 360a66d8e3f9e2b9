package io.marketprism.platform.bus;

import java.util.ArrayDeque;

/**
 * How far a durable consumer has settled: a time T such that every record the bus held at T has
 * been handed over and its batch committed. A fetch that left nothing behind on the bus (its last
 * message saw no more pending, or it came back empty) is a point where everything published
 * before it began was taken; once its batch and every batch taken before it are committed, the
 * consumer has settled up to the fetch's start. Batches may commit out of order; the clock
 * advances only over a committed prefix. With several instances on one durable, a fetch counts
 * as leaving the bus empty only while no other instance holds unacknowledged messages (the bus
 * checks). Thread-safe.
 */
public final class SettledClock {

  /** One fetch: when it began, whether it left the bus empty, and whether its batch is done. */
  public static final class Fetch {
    private long atMs;
    private final boolean drained;
    private boolean done;
    private boolean committed;

    private Fetch(long atMs, boolean drained, boolean done) {
      this.atMs = atMs;
      this.drained = drained;
      this.done = done;
      this.committed = done;
    }
  }

  private final ArrayDeque<Fetch> open = new ArrayDeque<>();
  private long settledMs = -1;

  /**
   * A fetch that brought a batch.
   *
   * @param atMs when the fetch began, epoch ms
   * @param drained whether nothing was left pending on the bus after it
   * @return the token to pass to {@link #committed} or {@link #failed} when the batch is done
   */
  public synchronized Fetch fetched(long atMs, boolean drained) {
    Fetch f = new Fetch(atMs, drained, false);
    open.add(f);
    return f;
  }

  /** @param atMs when a fetch that came back empty began, epoch ms */
  public synchronized void idle(long atMs) {
    if (open.isEmpty()) {
      settledMs = Math.max(settledMs, atMs);
      return;
    }
    Fetch last = open.peekLast();
    if (last.done && last.drained && last.committed) {
      last.atMs = atMs; // idle again behind the same open batches
    } else {
      open.add(new Fetch(atMs, true, true));
    }
  }

  /** @param f a fetch whose batch is committed */
  public synchronized void committed(Fetch f) {
    f.done = true;
    f.committed = true;
    advance();
  }

  /** @param f a fetch whose batch was not committed (the bus delivers it again) */
  public synchronized void failed(Fetch f) {
    f.done = true;
    advance();
  }

  private void advance() {
    while (!open.isEmpty() && open.peekFirst().done) {
      Fetch f = open.pollFirst();
      if (f.committed && f.drained) {
        settledMs = Math.max(settledMs, f.atMs);
      }
    }
  }

  /** @return the time up to which everything the bus held is committed, epoch ms, or -1 before any */
  public synchronized long settledMs() {
    return settledMs;
  }
}
