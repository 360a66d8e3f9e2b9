package io.marketprism.collector.connection;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * {@code min(max, initial * 2^n)}, so that many connections cut at once do not come back in
 * lockstep, while a single one still waits at least half the nominal delay. Not thread-safe.
 */
public final class Backoff {

  private final long initialMs;
  private final long maxMs;
  private int attempt;

  /**
   * @param initialMs the nominal first delay, at least 1
   * @param maxMs the cap, at least {@code initialMs}
   */
  public Backoff(long initialMs, long maxMs) {
    if (initialMs < 1 || maxMs < initialMs) {
      throw new IllegalArgumentException("backoff needs 1 <= initial <= max, got " + initialMs + " and " + maxMs);
    }
    this.initialMs = initialMs;
    this.maxMs = maxMs;
  }

  /** @return the delay before the next attempt, ms; each call counts one attempt */
  public long next() {
    long nominal = initialMs << Math.min(attempt, 30);
    if (nominal <= 0 || nominal > maxMs) {
      nominal = maxMs;
    }
    attempt++;
    long half = nominal / 2;
    return half + ThreadLocalRandom.current().nextLong(nominal - half + 1);
  }

  /** @return attempts since the last {@link #reset()} */
  public int attempts() {
    return attempt;
  }

  /** Starts again from the initial delay, after a success. */
  public void reset() {
    attempt = 0;
  }
}
