package io.marketprism.storage;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.marketprism.model.Exchange;
import io.marketprism.model.FundingRateRecord;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.storage.cache.RedisLatestCache;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.FreePorts;
import io.marketprism.testkit.NatsServer;
import io.marketprism.testkit.RedisServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Server mode (nats-server, clickhouse-server, redis-server of its own) with its latest cache,
 * Redis, stopped, restarted empty or from an old snapshot, slow at start, or refusing writes:
 * storing goes on with no loss and no duplicate, {@code latest} answers the newest record (never
 * an older one than the store holds, never a 500), the health says the cache is degraded and comes
 * back, the errors are counted and logged once, and Redis holds the newest of every instrument
 * again once it is back, also of instruments with no new record.
 */
class RedisOutageTest {

  private static final String TRADE = "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT";
  private static final String FUNDING =
      "/api/v1/storage/latest/funding_rate?exchange=binance&market_type=perpetual&symbol=ETH-USDT";
  private static final String FUNDING_KEY = "mp:latest:funding_rate.binance.perpetual.ETH-USDT";
  private static final String TRADE_KEY = "mp:latest:trade.binance.spot.BTC-USDT";
  /** How long Redis is away while records flow (the audit ran it with 15 s too). */
  private static final long OUTAGE_MS = Long.getLong("redisOutage.ms", 2_500);

  static ClickHouseServer clickhouse;
  NatsServer nats;
  RedisServer redis;
  Vertx vertx;
  WebClient http;
  Redis admin;
  ListAppender<ILoggingEvent> logged;

  @BeforeAll
  static void clickHouse() {
    clickhouse = ClickHouseServer.start();
  }

  @AfterAll
  static void stopClickHouse() {
    clickhouse.close();
  }

  @BeforeEach
  void servers() {
    nats = NatsServer.start();
    redis = RedisServer.start();
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
    admin = Redis.createClient(vertx, redis.url());
    logged = new ListAppender<>();
    logged.start();
    logger(RedisLatestCache.class).addAppender(logged);
    logger(StorageVerticle.class).addAppender(logged);
  }

  @AfterEach
  void stopServers() throws Exception {
    logger(RedisLatestCache.class).detachAppender(logged);
    logger(StorageVerticle.class).detachAppender(logged);
    vertx.close().await(30, TimeUnit.SECONDS);
    redis.close();
    nats.close();
  }

  private static ch.qos.logback.classic.Logger logger(Class<?> c) {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(c);
  }

  private JsonObject config(String db) {
    return new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url()))
            .put("publish", new JsonObject().put("ack_timeout_ms", 2000)))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", clickhouse.httpUrl()).put("database", db))
            .put("cold", new JsonObject().put("database", db + "_cold"))
            .put("consumer", new JsonObject().put("durable", "storage_" + db).put("ack_wait_ms", 3000))
            .put("batch_size", 100).put("flush_interval_ms", 50)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "redis").put("redis_url", redis.url()));
  }

  private StorageVerticle deploy(JsonObject cfg) throws Exception {
    StorageVerticle s = new StorageVerticle();
    vertx.deployVerticle(s, new DeploymentOptions().setConfig(cfg)).await(60, TimeUnit.SECONDS);
    return s;
  }

  private static MarketRecord funding(long ts) {
    return new FundingRateRecord(Exchange.BINANCE, MarketType.PERPETUAL, "ETH-USDT", "ETHUSDT", ts, ts * 1000,
        "0.0001", ts + 3_600_000, null, "0.00012");
  }

  private HttpResponse<Buffer> get(StorageVerticle s, String uri) throws Exception {
    return http.get(s.actualPort(), "127.0.0.1", uri).send().await(10, TimeUnit.SECONDS);
  }

  /** The {@code ts_ms} {@code latest} answers, or -1 while it has none (404: nothing stored yet). */
  private long latestTsOnceStored(StorageVerticle s, String uri) throws Exception {
    return get(s, uri).statusCode() == 404 ? -1 : latestTs(s, uri);
  }

  /** The {@code ts_ms} {@code latest} answers; fails on anything but a 200. */
  private long latestTs(StorageVerticle s, String uri) throws Exception {
    HttpResponse<Buffer> r = get(s, uri);
    assertThat(r.statusCode()).as(uri + ": " + r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getLong("ts_ms");
  }

  private JsonObject cacheCheck(StorageVerticle s) throws Exception {
    HttpResponse<Buffer> r = get(s, "/health");
    assertThat(r.statusCode()).as("the service works without its cache: " + r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject().getJsonArray("checks").stream().map(o -> (JsonObject) o)
        .filter(c -> c.getString("id").equals("latest_cache")).findFirst().orElseThrow();
  }

  /** Asks until {@code ok} holds (or 10 s pass), returning the last answer. */
  private static <T> T until(Callable<T> ask, Predicate<T> ok) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    T v = ask.call();
    while (!ok.test(v) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      v = ask.call();
    }
    return v;
  }

  private interface Callable<T> {
    T call() throws Exception;
  }

  private String hget(String key, String field) throws Exception {
    Response r = admin.send(Request.cmd(Command.HGET).arg(key).arg(field)).await(10, TimeUnit.SECONDS);
    return r == null ? null : r.toString();
  }

  /** Distinct records in a table, with what its buffer holds (written out first). */
  private static long storedCount(String table) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    client.send(HttpRequest.newBuilder(URI.create(clickhouse.httpUrl()))
        .POST(HttpRequest.BodyPublishers.ofString("OPTIMIZE TABLE " + table + "_buffer")).build(),
        java.net.http.HttpResponse.BodyHandlers.discarding());
    var r = client.send(HttpRequest.newBuilder(URI.create(clickhouse.httpUrl()))
        .POST(HttpRequest.BodyPublishers.ofString("SELECT count() FROM " + table + " FINAL")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? Long.parseLong(r.body().trim()) : -1;
  }

  private List<ILoggingEvent> warnings(String containing) {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN)
        .filter(e -> e.getFormattedMessage().contains(containing)).toList();
  }

  /**
   * (a) Redis stops while records flow and comes back empty. Meanwhile latest answers the newest,
   * the health says the cache is degraded naming Redis, one warning is logged however many
   * batches fail, and every failure is counted. Once it is back, with no record flowing, the health
   * is UP again within seconds and Redis holds the newest of both instruments again, the funding
   * rate included, which had no record since before the outage.
   */
  @Test
  void redisStoppedWhileRecordsFlowThenBackEmptyCatchesUpWithNoLossAndNoDuplicate() throws Exception {
    JsonObject cfg = config("outage");
    StorageVerticle s = deploy(cfg);
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
    bus.start().await(10, TimeUnit.SECONDS);
    List<MarketRecord> trades = Fixtures.trades(Fixtures.DAY0, 100_000, 1);
    long fundingTs = Fixtures.DAY0 + 5;
    List<Future<Void>> acks = new ArrayList<>();
    acks.add(bus.publish(funding(fundingTs)));
    int sent = 0;
    for (; sent < 200; sent++) {
      acks.add(bus.publish(trades.get(sent)));
    }
    long lastTs = trades.get(sent - 1).tsMs();
    assertThat(until(() -> latestTsOnceStored(s, TRADE), ts -> ts == lastTs)).isEqualTo(lastTs);
    assertThat(latestTs(s, FUNDING)).isEqualTo(fundingTs);
    assertThat(cacheCheck(s).containsKey("data")).as("Redis is up").isFalse();

    redis.kill();
    long down = System.currentTimeMillis();
    long seen = 0;
    boolean degradedSeen = false;
    while (System.currentTimeMillis() - down < OUTAGE_MS) {
      for (int k = 0; k < 20; k++, sent++) {
        acks.add(bus.publish(trades.get(sent)));
      }
      long ts = latestTs(s, TRADE);
      assertThat(ts).as("latest never goes back").isGreaterThanOrEqualTo(seen);
      seen = ts;
      assertThat(latestTs(s, FUNDING)).isEqualTo(fundingTs);
      JsonObject check = cacheCheck(s);
      if (check.containsKey("data")) {
        degradedSeen = true;
        assertThat(check.getJsonObject("data").getString("degraded")).contains(redis.url());
      }
      Thread.sleep(50);
    }
    assertThat(degradedSeen).as("the health said the cache is degraded").isTrue();
    Future.all(acks).await(30, TimeUnit.SECONDS);
    long newest = trades.get(sent - 1).tsMs();
    assertThat(until(() -> latestTs(s, TRADE), ts -> ts == newest)).isEqualTo(newest);

    redis.restart(); // empty: nothing on disk; no record flows from now on
    JsonObject check = until(() -> cacheCheck(s), c -> !c.containsKey("data"));
    assertThat(check.containsKey("data")).as("UP again without a record flowing: " + check).isFalse();
    assertThat(until(() -> hget(FUNDING_KEY, "ts"), String.valueOf(fundingTs)::equals))
        .as("the instrument with no new record is in Redis again").isEqualTo(String.valueOf(fundingTs));
    assertThat(hget(TRADE_KEY, "ts")).isEqualTo(String.valueOf(newest));
    assertThat(latestTs(s, FUNDING)).isEqualTo(fundingTs);
    assertThat(latestTs(s, TRADE)).isEqualTo(newest);

    // stored exactly once each, acked after the commit, none delivered again
    final int total = sent;
    assertThat(until(() -> storedCount("outage.trade"), n -> n == total)).isEqualTo(total);
    JsonObject status = s.status();
    assertThat(status.getLong("committed")).as(status.encode()).isEqualTo(total + 1L);
    assertThat(status.getJsonObject("consumer").getLong("redelivered")).isZero();
    assertThat(status.getString("last_write_error")).isNull();
    long errors = status.getLong("cache_errors");
    assertThat(errors).as("failed writes counted").isGreaterThan(0);
    assertThat(get(s, "/metrics").bodyAsString()).contains("mp_storage_cache_errors_total " + errors + ".0");
    assertThat(warnings("write failed")).as("one warning for the outage").hasSize(1);
    assertThat(logged.list.stream().filter(e -> e.getFormattedMessage().contains("takes writes again"))).hasSize(1);
  }

  /**
   * (b) Redis comes back from a snapshot older than the store, and the storage is restarted (its
   * memory of what it saw is gone): latest answers the store's newer record, not the snapshot's,
   * also for an instrument with no new record, and puts it back in Redis.
   */
  @Test
  void aRedisRestoredFromAnOlderSnapshotIsNotAnsweredOverTheStore() throws Exception {
    JsonObject cfg = config("stale");
    StorageVerticle first = deploy(cfg);
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
    bus.start().await(10, TimeUnit.SECONDS);
    List<MarketRecord> trades = Fixtures.trades(Fixtures.DAY0, 200, 1);
    List<Future<Void>> acks = new ArrayList<>();
    acks.add(bus.publish(funding(Fixtures.DAY0)));
    trades.subList(0, 100).forEach(t -> acks.add(bus.publish(t)));
    Future.all(acks).await(30, TimeUnit.SECONDS);
    assertThat(until(() -> storedCount("stale.trade"), n -> n == 100)).isEqualTo(100);
    admin.send(Request.cmd(Command.SAVE)).await(10, TimeUnit.SECONDS); // the snapshot
    acks.add(bus.publish(funding(Fixtures.DAY0 + 1000)));
    trades.subList(100, 200).forEach(t -> acks.add(bus.publish(t)));
    Future.all(acks).await(30, TimeUnit.SECONDS);
    assertThat(until(() -> storedCount("stale.trade"), n -> n == 200)).isEqualTo(200);
    assertThat(until(() -> storedCount("stale.funding_rate"), n -> n == 2)).isEqualTo(2);
    vertx.undeploy(first.deploymentID()).await(30, TimeUnit.SECONDS);

    redis.kill();
    redis.restart(); // from the snapshot
    admin.close();
    admin = Redis.createClient(vertx, redis.url());
    assertThat(hget(FUNDING_KEY, "ts")).as("the snapshot is older").isEqualTo(String.valueOf(Fixtures.DAY0));

    StorageVerticle second = deploy(cfg);
    assertThat(latestTs(second, FUNDING)).isEqualTo(Fixtures.DAY0 + 1000);
    assertThat(latestTs(second, TRADE)).isEqualTo(trades.get(199).tsMs());
    assertThat(until(() -> hget(FUNDING_KEY, "ts"), String.valueOf(Fixtures.DAY0 + 1000)::equals))
        .as("Redis repaired").isEqualTo(String.valueOf(Fixtures.DAY0 + 1000));
    assertThat(latestTs(second, FUNDING)).isEqualTo(Fixtures.DAY0 + 1000);
  }

  /**
   * (e) Redis restarts from an older snapshot while the storage runs and no record flows (nothing
   * fails to tell it): within seconds Redis holds the newest record again, of an instrument with no
   * new record too, and says so once in the log.
   */
  @Test
  void aRedisRestartedFromAnOlderSnapshotWhileTheStorageRunsGetsTheNewestBack() throws Exception {
    JsonObject cfg = config("restarted");
    StorageVerticle s = deploy(cfg);
    RecordBus bus = fundingCached(cfg);
    Thread.sleep(2 * RedisLatestCache.RESTART_CHECK_MS); // the storage has seen which Redis this is
    admin.send(Request.cmd(Command.SAVE)).await(10, TimeUnit.SECONDS); // the snapshot
    long newer = Fixtures.DAY0 + 1000;
    bus.publish(funding(newer)).await(10, TimeUnit.SECONDS);
    assertThat(until(() -> hget(FUNDING_KEY, "ts"), String.valueOf(newer)::equals)).isEqualTo(String.valueOf(newer));

    redis.kill();
    redis.restart(); // from the snapshot; no record flows from now on
    admin.close();
    admin = Redis.createClient(vertx, redis.url());
    assertThat(until(() -> hget(FUNDING_KEY, "ts"), String.valueOf(newer)::equals))
        .as("Redis holds the newest again").isEqualTo(String.valueOf(newer));
    assertThat(latestTs(s, FUNDING)).isEqualTo(newer);
    assertThat(logged.list.stream().filter(e -> e.getFormattedMessage().contains("is another server than before")))
        .hasSize(1);
  }

  /**
   * (c) Redis is slow to answer at start (frozen while the storage starts and for a second after,
   * longer than a read's 250 ms): the start-up check waits for the first connection rather than
   * warning that it does not answer; the cache is UP once Redis answers.
   */
  @Test
  void aRedisSlowAtStartIsNotReportedMissing() throws Exception {
    redis.freeze();
    StorageVerticle s;
    try {
      s = deploy(config("slow"));
      Thread.sleep(1_000);
    } finally {
      redis.thaw();
    }
    Thread.sleep(1_500); // the start-up check is done
    assertThat(warnings("does not answer")).isEmpty();
    assertThat(until(() -> cacheCheck(s), c -> !c.containsKey("data")).containsKey("data")).isFalse();
  }

  /**
   * (d) Redis answers errors: out of memory (maxmemory, noeviction), then a read-only replica.
   * latest answers the record Redis refused; the health names the error; once Redis takes writes
   * again, with no record flowing, the health is UP and Redis holds that record.
   */
  @Test
  void aRedisAnsweringErrorsIsDegradedNamingThemAndCatchesUpWhenTheyEnd() throws Exception {
    JsonObject cfg = config("errors");
    StorageVerticle s = deploy(cfg);
    RecordBus bus = fundingCached(cfg);
    String replicaOf = String.valueOf(FreePorts.next());
    List<List<String>> breakIt = List.of(List.of("CONFIG", "SET", "maxmemory", "1"),
        List.of("REPLICAOF", "127.0.0.1", replicaOf));
    List<List<String>> fixIt = List.of(List.of("CONFIG", "SET", "maxmemory", "0"), List.of("REPLICAOF", "NO", "ONE"));
    List<String> errors = List.of("OOM", "READONLY");
    admin.send(Request.cmd(Command.CONFIG).arg("SET").arg("maxmemory-policy").arg("noeviction"))
        .await(10, TimeUnit.SECONDS);
    for (int i = 0; i < errors.size(); i++) {
      send(breakIt.get(i));
      long ts = Fixtures.DAY0 + 1000 * (i + 1);
      bus.publish(funding(ts)).await(10, TimeUnit.SECONDS);
      assertThat(until(() -> latestTs(s, FUNDING), t -> t == ts)).isEqualTo(ts);
      String error = errors.get(i);
      JsonObject check = until(() -> cacheCheck(s), c -> c.containsKey("data"));
      assertThat(check.getJsonObject("data").getString("degraded")).contains(redis.url(), error);
      assertThat(hget(FUNDING_KEY, "ts")).as("refused").isNotEqualTo(String.valueOf(ts));
      send(fixIt.get(i));
      check = until(() -> cacheCheck(s), c -> !c.containsKey("data"));
      assertThat(check.containsKey("data")).as(error + " over, no record flowing: " + check).isFalse();
      assertThat(until(() -> hget(FUNDING_KEY, "ts"), String.valueOf(ts)::equals)).isEqualTo(String.valueOf(ts));
    }
    assertThat(s.status().getLong("cache_errors")).isGreaterThanOrEqualTo(2);
  }

  /** Starts a bus of the config, publishes a funding rate at {@code DAY0} and waits until Redis holds it. */
  private RecordBus fundingCached(JsonObject cfg) throws Exception {
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
    bus.start().await(10, TimeUnit.SECONDS);
    bus.publish(funding(Fixtures.DAY0)).await(10, TimeUnit.SECONDS);
    assertThat(until(() -> hget(FUNDING_KEY, "ts"), String.valueOf(Fixtures.DAY0)::equals))
        .isEqualTo(String.valueOf(Fixtures.DAY0));
    return bus;
  }

  private void send(List<String> command) throws Exception {
    Request r = Request.cmd(Command.create(command.get(0)));
    command.subList(1, command.size()).forEach(r::arg);
    admin.send(r).await(10, TimeUnit.SECONDS);
  }
}
