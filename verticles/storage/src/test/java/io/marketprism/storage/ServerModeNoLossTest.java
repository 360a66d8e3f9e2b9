package io.marketprism.storage;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.NatsServer;
import io.marketprism.testkit.RedisServer;
import io.marketprism.testkit.ServiceNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Server mode against real nats-server, clickhouse-server and redis-server on free ports: every
 * record published is stored exactly once whatever stops or crashes in between. Each test has
 * its own nats-server (so no test reads another's stream) and its own ClickHouse database.
 */
class ServerModeNoLossTest {

  static ClickHouseServer clickhouse;
  static RedisServer redis;
  NatsServer nats;
  @TempDir
  Path dir;

  @BeforeAll
  static void servers() {
    clickhouse = ClickHouseServer.start();
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopServers() {
    redis.close();
    clickhouse.close();
  }

  @BeforeEach
  void natsServer() {
    nats = NatsServer.start();
  }

  @AfterEach
  void stopNats() {
    nats.close();
  }

  private JsonObject config(String db) {
    return new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url()))
            .put("publish", new JsonObject().put("ack_timeout_ms", 2000)))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", clickhouse.httpUrl()).put("database", db))
            .put("cold", new JsonObject().put("database", db + "_cold"))
            .put("consumer", new JsonObject().put("durable", "storage_" + db).put("ack_wait_ms", 3000))
            .put("batch_size", 1000).put("flush_interval_ms", 100)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "redis").put("redis_url", redis.url()));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static StorageVerticle deploy(Vertx vertx, JsonObject config) throws Exception {
    StorageVerticle v = new StorageVerticle();
    await(vertx.deployVerticle(v, new DeploymentOptions().setConfig(config)));
    return v;
  }

  /** Reads every stored record of a type through the query API until it is {@code expected} (or 60 s pass). */
  private static Set<String> stored(Vertx vertx, int port, String type, Set<String> expected) throws Exception {
    WebClient http = WebClient.create(vertx);
    long deadline = System.currentTimeMillis() + 60_000;
    Set<String> out = new HashSet<>();
    while (System.currentTimeMillis() < deadline) {
      out.clear();
      String cursor = null;
      do {
        JsonObject page = await(http.get(port, "127.0.0.1", "/api/v1/storage/" + type + "?limit=10000"
            + (cursor == null ? "" : "&cursor=" + cursor)).send()).bodyAsJsonObject();
        page.getJsonArray("data").forEach(o -> out.add(((JsonObject) o).encode()));
        cursor = page.getString("next_cursor");
      } while (cursor != null);
      if (out.equals(expected)) {
        break;
      }
      Thread.sleep(300);
    }
    http.close();
    return out;
  }

  private static Set<String> json(List<MarketRecord> records, String type) {
    Set<String> s = new HashSet<>();
    records.stream().filter(r -> r.dataType().wire().equals(type)).forEach(r -> s.add(RecordJson.toJson(r)));
    return s;
  }

  /** Fails with counts and examples (not 30,000 lines) when the stored set is not exactly the sent set. */
  private static void assertExactly(Set<String> stored, Set<String> sent) {
    Set<String> missing = new HashSet<>(sent);
    missing.removeAll(stored);
    Set<String> extra = new HashSet<>(stored);
    extra.removeAll(sent);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      fail(missing.size() + " of " + sent.size() + " sent records missing (e.g. " + missing.stream().limit(2).toList()
          + "), " + extra.size() + " stored records never sent (e.g. " + extra.stream().limit(2).toList() + ")");
    }
  }

  /** Publishes from a thread of its own at about {@code perSecond}; the acks land in {@code acks}. */
  private static Thread publishPaced(RecordBus bus, List<MarketRecord> records, int perSecond,
      List<Future<Void>> acks) {
    Thread t = new Thread(() -> {
      long start = System.nanoTime();
      for (int i = 0; i < records.size(); i++) {
        acks.add(bus.publish(records.get(i)));
        long due = start + i * 1_000_000_000L / perSecond;
        long wait = due - System.nanoTime();
        if (wait > 1_000_000) {
          try {
            Thread.sleep(wait / 1_000_000);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }, "test-publisher");
    t.start();
    return t;
  }

  private static long clickHouseCount(String table) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(clickhouse.httpUrl()))
        .POST(HttpRequest.BodyPublishers.ofString("SELECT count() FROM " + table)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? Long.parseLong(r.body().trim()) : 0;
  }

  @Test
  void storageStoppedMidStreamStoresTheBacklogOnceAfterRestart() throws Exception {
    JsonObject cfg = config("a");
    Vertx pub = Vertx.vertx();
    Vertx store = Vertx.vertx();
    try {
      StorageVerticle s = deploy(store, cfg);
      RecordBus bus = RecordBus.create(pub, BusOptions.from(cfg));
      await(bus.start());
      List<MarketRecord> sent = Fixtures.mixed(Fixtures.DAY0, 20_000);
      List<Future<Void>> acks = new ArrayList<>();
      for (int i = 0; i < sent.size() / 2; i++) {
        acks.add(bus.publish(sent.get(i)));
      }
      await(store.close()); // storage goes away with part of the stream unread
      for (int i = sent.size() / 2; i < sent.size(); i++) {
        acks.add(bus.publish(sent.get(i)));
      }
      for (MarketRecord r : sent.subList(0, 3000)) {
        acks.add(bus.publish(r)); // sent twice: the stream's Nats-Msg-Id window absorbs them
      }
      await(Future.all(acks));
      store = Vertx.vertx();
      s = deploy(store, cfg);
      for (String type : List.of("trade", "orderbook", "funding_rate")) {
        assertExactly(stored(store, s.actualPort(), type, json(sent, type)), json(sent, type));
      }
      JsonObject latest = await(WebClient.create(store).get(s.actualPort(), "127.0.0.1",
          "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT").send()).bodyAsJsonObject();
      assertThat(latest.getLong("ts_ms")).isEqualTo(Fixtures.DAY0 + 19_999_000L);
    } finally {
      pub.close();
      store.close();
    }
  }

  /**
   * Every kind of poison on the stream, spread over several batches: each is rejected alone
   * (counted in the status and {@code /metrics}, acknowledged with its batch, never delivered
   * again) and every good record is stored exactly once, the queries answering over all of them.
   */
  @Test
  void poisonMessagesAreRejectedAloneAndTheConsumerKeepsGoing() throws Exception {
    JsonObject cfg = config("p");
    Vertx vertx = Vertx.vertx();
    try (Connection nc = Nats.connect(nats.url())) {
      StorageVerticle s = deploy(vertx, cfg);
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
      await(bus.start());
      List<MarketRecord> sent = Fixtures.trades(Fixtures.DAY0, 3000, 12_000_000);
      List<String[]> poison = Fixtures.poison();
      List<Future<Void>> acks = new ArrayList<>();
      for (int i = 0; i < sent.size(); i++) {
        if (i % 200 == 100 && i / 200 < poison.size()) {
          String[] p = poison.get(i / 200);
          nc.jetStream().publish(p[0], p[1].getBytes(StandardCharsets.UTF_8));
        }
        acks.add(bus.publish(sent.get(i)));
      }
      await(Future.all(acks));
      assertExactly(stored(vertx, s.actualPort(), "trade", json(sent, "trade")), json(sent, "trade"));
      long deadline = System.currentTimeMillis() + 30_000;
      while (s.status().getJsonObject("consumer").getLong("acked") < sent.size() + poison.size()
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      JsonObject status = s.status();
      assertThat(status.getLong("rejected")).as(status.encode()).isEqualTo(poison.size());
      assertThat(status.getLong("committed")).isEqualTo(sent.size());
      assertThat(status.getJsonObject("consumer").getLong("acked")).isEqualTo((long) sent.size() + poison.size());
      assertThat(status.getJsonObject("consumer").getLong("redelivered")).isZero();
      assertThat(status.getString("last_write_error")).isNull();
      WebClient http = WebClient.create(vertx);
      assertThat(await(http.get(s.actualPort(), "127.0.0.1", "/metrics").send()).bodyAsString())
          .contains("mp_storage_records_rejected_total " + poison.size() + ".0");
      var bars = await(http.get(s.actualPort(), "127.0.0.1", "/api/v1/storage/kline?exchange=binance&market_type=spot"
          + "&symbol=BTC-USDT&interval=1h&start=" + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 3_600_000)).send());
      assertThat(bars.statusCode()).as(bars.bodyAsString()).isEqualTo(200);
      assertThat(bars.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getLong("trade_count")).isEqualTo(3000);
      var books = await(http.get(s.actualPort(), "127.0.0.1", "/api/v1/storage/orderbook").send());
      assertThat(books.statusCode()).as(books.bodyAsString()).isEqualTo(200);
      assertThat(books.bodyAsJsonObject().getJsonArray("data")).isEmpty();
    } finally {
      vertx.close();
    }
  }

  /** (b) nats-server stops while records are being published and comes back 2 s later. */
  @Test
  void natsRestartWhilePublishingLosesNothing() throws Exception {
    JsonObject cfg = config("b");
    Vertx vertx = Vertx.vertx();
    try {
      StorageVerticle s = deploy(vertx, cfg);
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
      await(bus.start());
      List<MarketRecord> sent = Fixtures.trades(Fixtures.DAY0, 30_000, 5_000_000);
      List<Future<Void>> acks = Collections.synchronizedList(new ArrayList<>());
      Thread publisher = publishPaced(bus, sent, 7_500, acks);
      Thread.sleep(1_000);
      nats.stop();
      Thread.sleep(2_000);
      assertThat(bus.stats().buffered()).as("records held while NATS is away").isGreaterThan(0);
      nats.restart();
      publisher.join();
      await(Future.all(new ArrayList<>(acks)));
      assertExactly(stored(vertx, s.actualPort(), "trade", json(sent, "trade")), json(sent, "trade"));
      assertThat(bus.stats().dropped()).isZero();
      assertThat(bus.stats().published()).isEqualTo(sent.size());
    } finally {
      vertx.close();
    }
  }

  /** (c) ClickHouse is down for 30 s: batches are retried, unacknowledged, until it is back. */
  @Test
  void clickHouseOutageOf30SecondsLosesNothing() throws Exception {
    JsonObject cfg = config("c");
    Vertx vertx = Vertx.vertx();
    try {
      StorageVerticle s = deploy(vertx, cfg);
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
      await(bus.start());
      List<MarketRecord> sent = Fixtures.trades(Fixtures.DAY0, 30_000, 7_000_000);
      List<Future<Void>> acks = Collections.synchronizedList(new ArrayList<>());
      publishPaced(bus, sent.subList(0, 10_000), 10_000, acks).join();
      clickhouse.stop(); // the rest arrives while ClickHouse is away
      long down = System.currentTimeMillis();
      publishPaced(bus, sent.subList(10_000, sent.size()), 5_000, acks).join();
      await(Future.all(new ArrayList<>(acks)));
      Thread.sleep(Math.max(0, 30_000 - (System.currentTimeMillis() - down)));
      assertThat(s.status().getString("last_write_error")).as("batches failing during the outage").isNotNull();
      clickhouse.restart();
      assertExactly(stored(vertx, s.actualPort(), "trade", json(sent, "trade")), json(sent, "trade"));
      assertThat(s.status().getString("last_write_error")).isNull();
    } finally {
      if (!clickhouse.isRunning()) {
        clickhouse.restart();
      }
      vertx.close();
    }
  }

  /** (a) the storage process is SIGKILLed mid-stream and started again. */
  @Test
  void storageProcessKilledMidStreamStoresEverythingOnce() throws Exception {
    JsonObject cfg = config("k");
    Vertx vertx = Vertx.vertx();
    ServiceNode storage = null;
    try {
      storage = launchStorage(cfg, 1);
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
      await(bus.start());
      List<MarketRecord> sent = Fixtures.trades(Fixtures.DAY0, 40_000, 9_000_000);
      List<Future<Void>> acks = Collections.synchronizedList(new ArrayList<>());
      Thread publisher = publishPaced(bus, sent, 8_000, acks);
      long deadline = System.currentTimeMillis() + 30_000;
      while (clickHouseCount("k.trade_buffer") < 5_000 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      storage.kill(); // SIGKILL: no stop hook, batches half done
      long atKill = clickHouseCount("k.trade_buffer"); // what the table and its buffer hold
      assertThat(atKill).as("killed mid-stream").isBetween(1L, (long) sent.size() - 1);
      publisher.join();
      await(Future.all(new ArrayList<>(acks)));
      storage = launchStorage(cfg, 2);
      assertExactly(stored(vertx, storage.port(), "trade", json(sent, "trade")), json(sent, "trade"));
    } finally {
      if (storage != null) {
        storage.kill();
      }
      vertx.close();
    }
  }

  /** Runs the storage service in a JVM of its own with this test's class path (its log in the test's directory). */
  private ServiceNode launchStorage(JsonObject config, int run) throws Exception {
    return ServiceNode.start(StorageVerticle.class, config, List.of("-Xmx512m"),
        ProcessBuilder.Redirect.appendTo(dir.resolve("storage-" + run + ".log").toFile()));
  }
}
