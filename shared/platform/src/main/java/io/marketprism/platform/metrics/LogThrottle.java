package io.marketprism.platform.metrics;

import java.util.function.LongSupplier;

/**
 * Keeps a warning that bad input can repeat thousands of times a second (a rejected message)
 * from flooding the log: the first event of each period is logged with its reason, the others
 * are only counted (their counters still see every one), and the next line logged says how many
 * were left out.
 */
public final class LogThrottle {

  private final long periodMs;
  private final LongSupplier clock;
  private long loggedAtMs;
  private boolean logged;
  private long left;

  /**
   * @param periodMs at most one line per this many milliseconds
   */
  public LogThrottle(long periodMs) {
    this(periodMs, System::currentTimeMillis);
  }

  LogThrottle(long periodMs, LongSupplier clock) {
    this.periodMs = periodMs;
    this.clock = clock;
  }

  /**
   * Counts an event.
   *
   * @return null when this one is not to be logged; else what to append to its line: empty, or
   *     how many were left out since the last line
   */
  public synchronized String admit() {
    long now = clock.getAsLong();
    if (logged && now - loggedAtMs < periodMs) {
      left++;
      return null;
    }
    String note = left == 0 ? "" : " (and " + left + " more since the last such line, not logged)";
    logged = true;
    loggedAtMs = now;
    left = 0;
    return note;
  }
}
