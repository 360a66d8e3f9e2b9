package io.marketprism.platform.bus;

import io.marketprism.model.DataType;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code bus:} section: which bus carries records ({@code eventbus} in embedded mode,
 * {@code nats} for JetStream in server mode), how the publisher buffers while the bus is away,
 * and the JetStream streams the broker creates or updates at start.
 *
 * @param type {@code eventbus} or {@code nats}
 * @param natsUrl NATS server URL(s), comma separated
 * @param connectTimeout how long a (re)connect attempt may take
 * @param reconnectWait pause between reconnect attempts
 * @param maxInFlight published records awaiting their JetStream ack at most
 * @param bufferMax records held while the bus is down or the window is full; beyond that they are dropped and counted
 * @param bufferMaxBytes JSON bytes the publisher holds unacknowledged (buffered and in flight) at most; beyond that
 *     records are dropped and counted as beyond {@code bufferMax}
 * @param ackTimeout how long a publish may wait for its ack before it is sent again
 * @param eventBusMaxPending records an embedded consumer queues for its handler at most; beyond that they are dropped and counted
 * @param eventBusMaxPendingBytes JSON bytes an embedded consumer holds (queued and in the batch in hand) at most;
 *     beyond that records are dropped and counted as beyond {@code eventBusMaxPending}
 * @param streams the JetStream streams
 * @param liveMaxPendingBytes JSON bytes a live subscription on NATS holds for a handler that has not run yet (its
 *     event loop busy) at most; beyond that records are dropped, counted and logged
 * @param eventBusLiveMaxPendingBytes the same bound for a live subscription on the embedded bus
 */
public record BusOptions(String type, String natsUrl, Duration connectTimeout, Duration reconnectWait, int maxInFlight,
    int bufferMax, long bufferMaxBytes, Duration ackTimeout, int eventBusMaxPending, long eventBusMaxPendingBytes,
    List<StreamSpec> streams, long liveMaxPendingBytes, long eventBusLiveMaxPendingBytes) {

  /** The embedded bus type. */
  public static final String EVENTBUS = "eventbus";
  /** The JetStream bus type. */
  public static final String NATS = "nats";
  /** The stream every data type goes to (CONTRACT §4). */
  public static final String MARKET_DATA = "MARKET_DATA";
  /**
   * How often a NATS connection pings its server; two pings unanswered and it reconnects. A server
   * that hangs (its process stopped, its host gone) is then noticed in seconds, not jnats's 4 minutes.
   */
  public static final Duration PING_INTERVAL = Duration.ofSeconds(5);
  /**
   * Default of {@code bus.eventbus.max_pending_bytes}: 256 MiB, an eighth of the launcher's 2 GB heap. The
   * queue's objects and a batch being parsed and written add to the bodies, and the collector, gateway and
   * caches of the same JVM need the rest; a stalled store then costs dropped records, not the process.
   */
  public static final long EVENTBUS_MAX_PENDING_BYTES = 256L << 20;
  /**
   * Default of {@code bus.publish.buffer_max_bytes}: 256 MiB, a quarter of the Docker image's 1 GB heap and an
   * eighth of the launcher's 2 GB. Order books are a few KB of JSON each, so {@code buffer_max}'s 500,000 records
   * alone could hold 1-2 GB while NATS is away; the records' objects (bounded by that count) and the collector's
   * own state need the rest of the heap. A long outage then costs dropped records, not the process and all it held.
   */
  public static final long PUBLISH_BUFFER_MAX_BYTES = 256L << 20;

  /**
   * One JetStream stream.
   *
   * @param name stream name
   * @param subjects subjects it captures
   * @param fileStorage file storage (else memory)
   * @param maxAge how long messages are kept (zero: unlimited)
   * @param maxBytes size bound (-1: unlimited)
   * @param duplicateWindow the {@code Nats-Msg-Id} de-duplication window
   * @param replicas number of replicas
   */
  public record StreamSpec(String name, List<String> subjects, boolean fileStorage, Duration maxAge, long maxBytes,
      Duration duplicateWindow, int replicas) {

    /** @return the JSON form shown by the broker */
    public JsonObject toJson() {
      return new JsonObject().put("name", name).put("subjects", subjects).put("storage", fileStorage ? "file" : "memory")
          .put("max_age_ms", maxAge.toMillis()).put("max_bytes", maxBytes)
          .put("duplicate_window_ms", duplicateWindow.toMillis()).put("replicas", replicas);
    }
  }

  /** The default MARKET_DATA subjects: one wildcard per data type. */
  public static List<String> allDataSubjects() {
    List<String> out = new ArrayList<>();
    for (DataType t : DataType.values()) {
      out.add(t.wire() + ".>");
    }
    return out;
  }

  /**
   * Reads and validates {@code bus:} of the root config.
   *
   * @param root the whole configuration tree
   * @return the options
   * @throws ConfigException naming the bad key
   */
  /** The keys of a {@code bus.streams} entry; any other (a typo such as {@code max_age_hour}) is refused. */
  /**
   * Default of {@code bus.nats.live_max_pending_bytes} and {@code bus.eventbus.live_max_pending_bytes}: 64 MiB,
   * jnats's own bound of what a subscription holds, which a handler that only hands records on to its event loop
   * never reaches.
   */
  public static final long LIVE_MAX_PENDING_BYTES = 64L << 20;

  private static final Set<String> STREAM_KEYS = Set.of("name", "subjects", "storage", "max_age_hours", "max_bytes",
      "duplicate_window_s", "replicas");

  public static BusOptions from(JsonObject root) {
    ConfigReader bus = ConfigReader.root(root, "bus");
    String type = bus.oneOf("type", Set.of(EVENTBUS, NATS), ConfigReader.serverMode(root) ? NATS : EVENTBUS);
    ConfigReader nats = bus.section("nats");
    String url = nats.string("url", "nats://127.0.0.1:4222");
    for (String u : url.split(",")) {
      if (!u.trim().matches("(nats|tls)://[^\\s/]+:\\d{1,5}")) {
        throw new ConfigException(nats.key("url"), "must be nats://host:port (comma separated for several), got '" + url + "'");
      }
    }
    Duration connect = Duration.ofMillis(nats.longIn("connect_timeout_ms", 100, 60_000, 2_000));
    Duration reconnect = Duration.ofMillis(nats.longIn("reconnect_wait_ms", 10, 60_000, 250));
    long liveMaxPending = liveMaxPendingBytes(nats);
    ConfigReader pub = bus.section("publish");
    int inFlight = pub.intIn("max_in_flight", 1, 1_000_000, 8192);
    int bufferMax = pub.intIn("buffer_max", 0, 100_000_000, 500_000);
    // below 1 MiB a single order book could hardly wait for NATS; above 1 TiB no heap holds it
    long bufferMaxBytes = pub.longIn("buffer_max_bytes", 1L << 20, 1L << 40, PUBLISH_BUFFER_MAX_BYTES);
    Duration ackTimeout = Duration.ofMillis(pub.longIn("ack_timeout_ms", 100, 600_000, 5_000));
    ConfigReader eventBus = bus.section("eventbus");
    int pending = eventBus.intIn("max_pending", 1, 100_000_000, 1_000_000);
    // below 1 MiB a single order book could never be queued; above 1 TiB no heap holds it
    long pendingBytes = eventBus.longIn("max_pending_bytes", 1L << 20, 1L << 40, EVENTBUS_MAX_PENDING_BYTES);
    long eventBusLiveMaxPending = liveMaxPendingBytes(eventBus);
    List<StreamSpec> streams = new ArrayList<>();
    List<ConfigReader> listed = bus.list("streams");
    if (listed.isEmpty()) {
      streams.add(new StreamSpec(MARKET_DATA, allDataSubjects(), true, Duration.ofDays(7), -1, Duration.ofMinutes(2), 1));
    }
    for (ConfigReader s : listed) {
      s.onlyKeys(STREAM_KEYS);
      String name = s.requiredString("name");
      if (!name.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new ConfigException(s.key("name"), "must be letters, digits, _ or - (at most 64), got '" + name + "'");
      }
      List<String> subjects = s.strings("subjects", MARKET_DATA.equals(name) ? allDataSubjects() : List.of());
      if (subjects.isEmpty()) {
        throw new ConfigException(s.key("subjects"), "must list at least one subject");
      }
      boolean file = "file".equals(s.oneOf("storage", Set.of("file", "memory"), "file"));
      Duration maxAge = Duration.ofHours(s.longIn("max_age_hours", 0, 24L * 3650, 24 * 7));
      long maxBytes = s.longIn("max_bytes", -1, Long.MAX_VALUE, -1);
      Duration dup = Duration.ofSeconds(s.longIn("duplicate_window_s", 1, 7 * 24 * 3600, 120));
      if (!maxAge.isZero() && dup.compareTo(maxAge) > 0) {
        // NATS refuses it ("duplicates window can not be larger then max age"): say so when the config is read
        throw new ConfigException(s.key("duplicate_window_s"), "must not be longer than max_age_hours ("
            + maxAge.toHours() + " h), got " + dup.toSeconds() + " s");
      }
      int replicas = s.intIn("replicas", 1, 5, 1);
      streams.add(new StreamSpec(name, subjects, file, maxAge, maxBytes, dup, replicas));
    }
    return new BusOptions(type, url, connect, reconnect, inFlight, bufferMax, bufferMaxBytes, ackTimeout, pending, pendingBytes,
        List.copyOf(streams), liveMaxPending, eventBusLiveMaxPending);
  }

  /** {@code live_max_pending_bytes} of {@code section}: the same bound, range and default on either bus. */
  private static long liveMaxPendingBytes(ConfigReader section) {
    // below 1 MiB a burst of order books would be dropped; above 1 TiB no heap holds it
    return section.longIn("live_max_pending_bytes", 1L << 20, 1L << 40, LIVE_MAX_PENDING_BYTES);
  }

  /** @return whether records travel over JetStream */
  public boolean isNats() {
    return NATS.equals(type);
  }
}
