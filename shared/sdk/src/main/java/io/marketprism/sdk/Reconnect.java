package io.marketprism.sdk;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whether and how a {@link LiveStream} reconnects after losing its connection
 * ({@link MarketPrismClient#reconnect}): attempt {@code n} waits a random time between half and
 * all of {@code min(maxDelay, initialDelay × 2^(n-1))}, so that the clients of a restarted gateway
 * do not all come back at the same instant. The count starts again once a connection stayed up
 * for {@code maxDelay}: a stream dropped again and again soon after connecting (a client too slow
 * for its subscriptions) backs off as far as one that cannot connect.
 *
 * @param enabled      false: a lost connection ends the stream ({@link LiveStream#closed()} fails)
 * @param initialDelay the wait before the first attempt (its upper bound)
 * @param maxDelay     the longest wait between two attempts
 * @param maxAttempts  the attempts after which the stream gives up and ends; 0 for no limit
 */
public record Reconnect(boolean enabled, Duration initialDelay, Duration maxDelay, int maxAttempts) {

  /** What a client does unless told otherwise: reconnect for ever, from 0.5 s up to 30 s apart. */
  public static final Reconnect DEFAULT = new Reconnect(true, Duration.ofMillis(500), Duration.ofSeconds(30), 0);

  /** No reconnection: a lost connection ends the stream, as before the SDK reconnected. */
  public static final Reconnect DISABLED = new Reconnect(false, Duration.ofMillis(500), Duration.ofSeconds(30), 0);

  public Reconnect {
    if (initialDelay == null || initialDelay.toMillis() < 1) {
      throw new IllegalArgumentException("initialDelay must be at least 1 ms, got " + initialDelay);
    }
    if (maxDelay == null || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException("maxDelay must be at least initialDelay (" + initialDelay + "), got "
          + maxDelay);
    }
    if (maxAttempts < 0) {
      throw new IllegalArgumentException("maxAttempts must be 0 (no limit) or more, got " + maxAttempts);
    }
  }

  /** Reconnection with these delays and no limit of attempts. */
  public static Reconnect backoff(Duration initialDelay, Duration maxDelay) {
    return new Reconnect(true, initialDelay, maxDelay, 0);
  }

  /** @return this policy giving up after {@code n} attempts in a row (0: never) */
  public Reconnect maxAttempts(int n) {
    return new Reconnect(enabled, initialDelay, maxDelay, n);
  }

  /** @return the wait before attempt {@code attempt} (1 for the first), in ms, with its jitter */
  long delayMs(int attempt) {
    long cap = maxDelay.toMillis();
    long base = Math.min(cap, initialDelay.toMillis() << Math.min(attempt - 1, 30));
    long half = base / 2;
    return Math.max(1, half + ThreadLocalRandom.current().nextLong(base - half + 1));
  }
}
