package io.marketprism.gateway.stream;

import io.marketprism.platform.config.ConfigException;
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
 * @param maxQueuedBytesWhileFull bytes of records accepted for a full queue within the grace period;
 *                         beyond them the client is dropped at once (the same bound in bytes, for order
 *                         books of several KB; by default {@code maxQueuedBytes})
 * @param closeTimeoutMs   how long a dropped slow client has to read up to its close frame before
 *                         its connection is cut (and the queue it held freed)
 * @param maxFrameBytes    the largest WebSocket frame a client may send (the gateway server's
 *                         limit, for every WebSocket it serves): a larger one closes the connection
 *                         with 1009, since the rest of it is never read
 * @param maxMessageBytes  the largest request, in one frame or several: a larger one sent in frames
 *                         that each fit is answered with an error and the client stays
 * @param pingIntervalMs   a WebSocket ping goes to each client this often; one heard nothing from
 *                         (no pong, no request) for two intervals is closed as gone (0: never)
 */
public record StreamOptions(boolean enabled, int maxClients, int maxSubscriptions, int maxQueuedBytes,
                            long slowGraceMs, int maxQueuedMessagesWhileFull, long maxQueuedBytesWhileFull,
                            long closeTimeoutMs,
                            int maxFrameBytes, int maxMessageBytes, long pingIntervalMs) {

  /** Default of both size limits: a subscribe of some thousands of patterns fits. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

  /** The settings of {@code gateway.stream}, each checked against its range. */
  public static StreamOptions from(ConfigReader gateway) {
    ConfigReader s = gateway.section("stream");
    int maxMessage = s.intIn("max_message_bytes", 1024, 64 * 1024 * 1024, DEFAULT_MAX_MESSAGE_BYTES);
    int maxFrame = s.intIn("max_frame_bytes", 1024, 64 * 1024 * 1024, maxMessage);
    if (maxFrame > maxMessage) {
      throw new ConfigException(s.key("max_frame_bytes"), "must not exceed max_message_bytes (" + maxMessage + "), got "
          + maxFrame);
    }
    int maxQueued = s.intIn("max_queued_bytes", 16 * 1024, 256 * 1024 * 1024, 4 * 1024 * 1024);
    return new StreamOptions(s.bool("enabled", true), s.intIn("max_clients", 1, 100_000, 1000),
        s.intIn("max_subscriptions", 1, 10_000, 100), maxQueued,
        s.longIn("slow_grace_ms", 0, 60_000, 2000), s.intIn("max_queued_messages_while_full", 0, 10_000_000, 20_000),
        s.longIn("max_queued_bytes_while_full", 0, 1L << 30, maxQueued),
        s.longIn("close_timeout_ms", 100, 600_000, 10_000), maxFrame, maxMessage,
        s.longIn("ping_interval_ms", 0, 3_600_000, 30_000));
  }
}
