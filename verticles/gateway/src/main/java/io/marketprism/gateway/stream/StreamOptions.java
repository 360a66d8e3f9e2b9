package io.marketprism.gateway.stream;

import io.marketprism.platform.config.ConfigReader;

/**
 * Settings of the live stream ({@code gateway.stream}).
 *
 * @param enabled          serve {@code /ws/v1/stream} from this gateway's bus subscription
 * @param maxClients       connections to the gateway (all its verticles) beyond this are refused (close 1013)
 * @param maxSubscriptions subject patterns per connection
 * @param maxQueuedBytes   bytes waiting in one client's socket that make its queue "full"
 * @param slowGraceMs      how long a queue may stay full (a burst) before the client is dropped
 * @param maxQueuedMessagesWhileFull records accepted for a full queue within the grace period;
 *                         beyond them the client is dropped at once (bounds memory per client)
 * @param closeTimeoutMs   how long a dropped slow client has to read up to its close frame before
 *                         its connection is cut (and the queue it held freed)
 */
public record StreamOptions(boolean enabled, int maxClients, int maxSubscriptions, int maxQueuedBytes,
                            long slowGraceMs, int maxQueuedMessagesWhileFull, long closeTimeoutMs) {

  public static StreamOptions from(ConfigReader gateway) {
    ConfigReader s = gateway.section("stream");
    return new StreamOptions(s.bool("enabled", true), s.intIn("max_clients", 1, 100_000, 1000),
        s.intIn("max_subscriptions", 1, 10_000, 100), s.intIn("max_queued_bytes", 16 * 1024, 256 * 1024 * 1024, 4 * 1024 * 1024),
        s.longIn("slow_grace_ms", 0, 60_000, 2000), s.intIn("max_queued_messages_while_full", 0, 10_000_000, 20_000),
        s.longIn("close_timeout_ms", 100, 600_000, 10_000));
  }
}
