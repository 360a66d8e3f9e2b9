package io.marketprism.gateway.ratelimit;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously at {@code rate} per second.
 * Not thread-safe; each bucket belongs to one event loop.
 */
final class TokenBucket {

  private double tokens;
  private long last;

  TokenBucket(int capacity, long nowNanos) {
    this.tokens = capacity;
    this.last = nowNanos;
  }

  /** Takes a token; returns tokens left (≥ 0) or, when empty, minus the nanoseconds until one is there. */
  long take(int capacity, double ratePerSecond, long nowNanos) {
    refill(capacity, ratePerSecond, nowNanos);
    if (tokens >= 1) {
      tokens -= 1;
      return (long) tokens;
    }
    return -Math.max(1, (long) Math.ceil((1 - tokens) / ratePerSecond * 1e9));
  }

  /** Whether the bucket is full again, i.e. equal to a fresh one and safe to forget. */
  boolean full(int capacity, double ratePerSecond, long nowNanos) {
    refill(capacity, ratePerSecond, nowNanos);
    return tokens >= capacity;
  }

  private void refill(int capacity, double ratePerSecond, long nowNanos) {
    long elapsed = nowNanos - last;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * ratePerSecond / 1e9);
      last = nowNanos;
    }
  }
}
