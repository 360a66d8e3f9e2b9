package io.marketprism.collector.connection;

/** The life cycle of a {@link FeedConnection}. */
public enum ConnectionState {
  /** Opening the WebSocket. */
  CONNECTING,
  /** Open: frames flow. */
  UP,
  /** Lost (or never opened): waiting for the backoff delay before the next attempt. */
  RECONNECTING,
  /** Stopped for good. */
  CLOSED;

  /** @return the lower-case name used in the status JSON */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
