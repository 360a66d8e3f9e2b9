package io.marketprism.storage;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import io.marketprism.storage.hot.ClickHouseHttp;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The storage service's configuration ({@code storage:} and {@code cache:}), validated at start.
 *
 * @param hotType {@code duckdb} (embedded) or {@code clickhouse} (server mode)
 * @param duckDbFile the DuckDB file
 * @param coldDir the Parquet cold tier root
 * @param clickHouseUrl the ClickHouse HTTP URL
 * @param clickHouseUser the ClickHouse user ({@code default} unless configured)
 * @param clickHousePassword its password (empty unless configured); left out of {@link #toString}
 * @param hotDatabase the ClickHouse hot database
 * @param coldDatabase the ClickHouse cold database
 * @param clickHouseTimeout per-request timeout towards ClickHouse (writes)
 * @param queryTimeout per-request timeout of user queries towards ClickHouse
 * @param restartReplay after the hot store's server restarted (ClickHouse, which does not sync what it commits),
 *     the records committed in this span before it went away are read again from the stream; zero: never
 * @param hotBuffer how long ClickHouse holds committed records in memory ({@code Buffer} tables in front of the
 *     record tables, read with them) before it writes them to its tables as one part; zero: no buffer, every
 *     batch is a part of each table it holds
 * @param retentionDays days the hot tier keeps before archiving
 * @param batchSize most records per committed batch
 * @param flushInterval longest wait before a partial batch is committed
 * @param stream the stream read
 * @param durable the durable consumer name
 * @param ackWait the consumer's ack wait
 * @param batchesInFlight batches committing at once at most (the next is fetched while one commits)
 * @param archiveInterval how often this instance archives by itself (zero, the default: only on request, e.g.
 *     the scheduler's {@code archive} job)
 * @param archiveStepTimeout per-request timeout of the archive's copy and verification of one day and table
 *     towards ClickHouse (they read the whole day: tens of seconds for tens of millions of records)
 * @param cacheType {@code memory} or {@code redis}
 * @param redisUrl the Redis URL
 * @param cacheTimeout how long a read of the Redis cache may take (writes: ten times that)
 * @param bus the bus options
 */
public record StorageOptions(String hotType, Path duckDbFile, Path coldDir, String clickHouseUrl, String clickHouseUser,
    String clickHousePassword, String hotDatabase,
    String coldDatabase, Duration clickHouseTimeout, Duration queryTimeout, Duration restartReplay, Duration hotBuffer, int retentionDays, int batchSize,
    Duration flushInterval, String stream, String durable, Duration ackWait, int batchesInFlight,
    Duration archiveInterval, Duration archiveStepTimeout, String cacheType, String redisUrl, Duration cacheTimeout, BusOptions bus) {

  /**
   * {@code storage.hot.buffer_seconds} where the stream is read again after a ClickHouse restart: a
   * part a minute per table instead of one per batch (each part costs merges rewriting up to its whole
   * day's partition: at 300 records/s ClickHouse wrote 7-8 MB/s with a part per second).
   */
  public static final long DEFAULT_BUFFER_SECONDS = 60;

  /**
   * @param root the whole configuration tree
   * @return the validated options
   * @throws ConfigException naming the bad key
   */
  public static StorageOptions from(JsonObject root) {
    ConfigReader s = ConfigReader.root(root, "storage");
    ConfigReader hot = s.section("hot");
    boolean server = ConfigReader.serverMode(root);
    String type = hot.oneOf("type", Set.of("duckdb", "clickhouse"), server ? "clickhouse" : "duckdb");
    Path file = Path.of(hot.string("path", "data/marketprism.duckdb"));
    String url = hot.string("url", "http://127.0.0.1:8123");
    if (!url.matches("https?://[^\\s/]+(:\\d{1,5})?/?")) {
      throw new ConfigException(hot.key("url"), "must be http://host:port, got '" + url + "'");
    }
    String user = hot.string("user", ClickHouseHttp.DEFAULT_USER);
    if (user.isBlank() || user.contains(":")) {
      // HTTP basic authentication ends the user at the first ':'
      throw new ConfigException(hot.key("user"), "must be a ClickHouse user name (not empty, no ':'), got '" + user + "'");
    }
    String password = hot.string("password", "");
    String db = identifier(hot, "database", "marketprism");
    Duration timeout = Duration.ofMillis(hot.longIn("timeout_ms", 100, 600_000, 30_000));
    // under the gateway's backend_timeout_ms (5 s): a hung ClickHouse is named in the answer, not a bare 504
    Duration queryTimeout = Duration.ofMillis(hot.longIn("query_timeout_ms", 100, 600_000, 4_500));
    // Linux writes a written file out within 30 s by default (vm.dirty_expire_centisecs): four times that
    Duration restartReplay = Duration.ofMillis(hot.longIn("replay_after_restart_ms", 0, 86_400_000, 120_000));
    Duration buffer = "clickhouse".equals(type) ? hotBuffer(hot, restartReplay, BusOptions.from(root)) : Duration.ZERO;
    ConfigReader cold = s.section("cold");
    Path coldDir = Path.of(cold.string("path", "data/cold"));
    String coldDb = identifier(cold, "database", "marketprism_cold");
    if (coldDb.equals(db)) {
      throw new ConfigException(cold.key("database"), "must differ from " + hot.key("database"));
    }
    int retention = s.intIn("retention_days", 1, 36_500, 7);
    int batch = s.intIn("batch_size", 1, 1_000_000, 20_000);
    Duration flush = Duration.ofMillis(s.longIn("flush_interval_ms", 1, 60_000, 1_000));
    ConfigReader consumer = s.section("consumer");
    String stream = consumer.string("stream", BusOptions.MARKET_DATA);
    String durable = consumer.string("durable", "storage");
    if (!durable.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new ConfigException(consumer.key("durable"), "must be letters, digits, _ or -, got '" + durable + "'");
    }
    Duration ackWait = Duration.ofMillis(consumer.longIn("ack_wait_ms", 1_000, 3_600_000, 30_000));
    int inFlight = consumer.intIn("batches_in_flight", 1, 64, 3);
    ConfigReader archiving = s.section("archive");
    Duration archive = Duration.ofMinutes(archiving.longIn("interval_minutes", 0, 7 * 24 * 60, 0));
    Duration archiveStep = Duration.ofMillis(archiving.longIn("step_timeout_ms", 1_000, 3_600_000, 600_000));
    ConfigReader cache = ConfigReader.root(root, "cache");
    String cacheType = cache.oneOf("type", Set.of("memory", "redis"), server ? "redis" : "memory");
    String redisUrl = cache.string("redis_url", "redis://127.0.0.1:6379");
    if (!redisUrl.matches("rediss?://\\S+")) {
      throw new ConfigException(cache.key("redis_url"), "must be redis://host:port, got '" + redisUrl + "'");
    }
    Duration cacheTimeout = Duration.ofMillis(cache.longIn("timeout_ms", 10, 60_000, 250));
    return new StorageOptions(type, file, coldDir, url.replaceAll("/$", ""), user, password, db, coldDb, timeout,
        queryTimeout, restartReplay, buffer, retention, batch, flush, stream, durable, ackWait, inFlight, archive, archiveStep, cacheType, redisUrl,
        cacheTimeout, BusOptions.from(root));
  }

  /** The options with the ClickHouse password masked: a logged or printed options object never shows it. */
  @Override
  public String toString() {
    return "StorageOptions[hotType=" + hotType + ", duckDbFile=" + duckDbFile + ", coldDir=" + coldDir
        + ", clickHouseUrl=" + clickHouseUrl + ", clickHouseUser=" + clickHouseUser + ", clickHousePassword="
        + (clickHousePassword.isEmpty() ? "" : "***") + ", hotDatabase=" + hotDatabase + ", coldDatabase="
        + coldDatabase + ", clickHouseTimeout=" + clickHouseTimeout + ", queryTimeout=" + queryTimeout
        + ", restartReplay=" + restartReplay + ", hotBuffer=" + hotBuffer
        + ", retentionDays=" + retentionDays + ", batchSize=" + batchSize + ", flushInterval=" + flushInterval
        + ", stream=" + stream + ", durable=" + durable + ", ackWait=" + ackWait + ", batchesInFlight="
        + batchesInFlight + ", archiveInterval=" + archiveInterval + ", archiveStepTimeout=" + archiveStepTimeout
        + ", cacheType=" + cacheType + ", redisUrl="
        + redisUrl + ", cacheTimeout=" + cacheTimeout + ", bus=" + bus + "]";
  }

  /**
   * {@code storage.hot.buffer_seconds}: what ClickHouse holds in memory is lost when it stops
   * abruptly, so it is only allowed where the storage reads it again from the stream after a
   * restart ({@code replay_after_restart_ms} covering it and the 30 s Linux may hold written files).
   */
  private static Duration hotBuffer(ConfigReader hot, Duration restartReplay, BusOptions bus) {
    boolean replays = "nats".equals(bus.type()) && !restartReplay.isZero();
    long seconds = hot.longIn("buffer_seconds", 0, 3_600, replays ? DEFAULT_BUFFER_SECONDS : 0);
    if (seconds == 0) {
      return Duration.ZERO;
    }
    if (!"nats".equals(bus.type())) {
      throw new ConfigException(hot.key("buffer_seconds"), "needs bus.type nats: what ClickHouse holds in memory is "
          + "read again from the stream after a restart, and bus.type " + bus.type() + " keeps no records; set 0");
    }
    long needMs = seconds * 1_000 + 30_000;
    if (restartReplay.toMillis() < needMs) {
      throw new ConfigException(hot.key("buffer_seconds"), seconds + " s of records held in ClickHouse's memory need "
          + hot.key("replay_after_restart_ms") + " of at least " + needMs + " (they are read again from the stream "
          + "after a restart), got " + restartReplay.toMillis() + "; lower it or raise that, or set 0 to insert into the "
          + "tables directly");
    }
    return Duration.ofSeconds(seconds);
  }

  private static String identifier(ConfigReader r, String key, String def) {
    String v = r.string(key, def);
    if (!v.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
      throw new ConfigException(r.key(key), "must be a plain identifier (letters, digits, _), got '" + v + "'");
    }
    return v;
  }
}
