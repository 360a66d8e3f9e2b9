package io.marketprism.collector.connection;

/**
 * Timing of one resilient WebSocket.
 *
 * @param connectTimeoutMs the WebSocket handshake must complete within this
 * @param idleTimeoutMs no frame at all (data, pong, ping, heartbeat) for this long: the stream is
 *     stale, the connection is dropped and opened again
 * @param maxAgeMs reconnect proactively after this long (Binance cuts connections at 24 h)
 * @param reconnectInitialMs first backoff delay
 * @param reconnectMaxMs backoff cap
 * @param controlRatePerSecond client messages (subscribe, unsubscribe, ping) per second at most
 * @param tickMs how often the connection checks its timers and drains its send queue
 */
public record ConnectionOptions(long connectTimeoutMs, long idleTimeoutMs, long maxAgeMs, long reconnectInitialMs,
    long reconnectMaxMs, double controlRatePerSecond, long tickMs) {

  /** Validates the values. */
  public ConnectionOptions {
    if (connectTimeoutMs < 1 || idleTimeoutMs < 1 || maxAgeMs < 1 || tickMs < 1) {
      throw new IllegalArgumentException("connection timings must be positive");
    }
    if (!(controlRatePerSecond > 0)) {
      throw new IllegalArgumentException("control rate must be > 0, got " + controlRatePerSecond);
    }
    new Backoff(reconnectInitialMs, reconnectMaxMs);
  }
}
