package io.marketprism.storage;

import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.NatsServer;
import io.marketprism.testkit.RedisServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Server mode against real nats-server, clickhouse-server and redis-server on free ports. */
class ServerModeNoLossTest {

  static NatsServer nats;
  static ClickHouseServer clickhouse;
  static RedisServer redis;

  @BeforeAll
  static void servers() {
    nats = NatsServer.start();
    clickhouse = ClickHouseServer.start();
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopServers() {
    redis.close();
    clickhouse.close();
    nats.close();
  }

  private static JsonObject config(String db) {
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

  private static Set<String> stored(Vertx vertx, StorageVerticle s, String type, int expected) throws Exception {
    WebClient http = WebClient.create(vertx);
    long deadline = System.currentTimeMillis() + 60_000;
    Set<String> out = new HashSet<>();
    while (System.currentTimeMillis() < deadline) {
      out.clear();
      String cursor = null;
      do {
        JsonObject page = await(http.get(s.actualPort(), "127.0.0.1", "/api/v1/storage/" + type + "?limit=10000"
            + (cursor == null ? "" : "&cursor=" + cursor)).send()).bodyAsJsonObject();
        page.getJsonArray("data").forEach(o -> out.add(((JsonObject) o).encode()));
        cursor = page.getString("next_cursor");
      } while (cursor != null);
      if (out.size() >= expected) {
        return out;
      }
      Thread.sleep(200);
    }
    return out;
  }

  private static Set<String> json(List<MarketRecord> records, String type) {
    Set<String> s = new HashSet<>();
    records.stream().filter(r -> r.dataType().wire().equals(type)).forEach(r -> s.add(RecordJson.toJson(r)));
    return s;
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
      assertThat(stored(store, s, "trade", 20_000)).isEqualTo(json(sent, "trade"));
      assertThat(stored(store, s, "orderbook", 2000)).isEqualTo(json(sent, "orderbook"));
      assertThat(stored(store, s, "funding_rate", 2000)).isEqualTo(json(sent, "funding_rate"));
      JsonObject latest = await(WebClient.create(store).get(s.actualPort(), "127.0.0.1",
          "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT").send()).bodyAsJsonObject();
      assertThat(latest.getLong("ts_ms")).isEqualTo(Fixtures.DAY0 + 19_999_000L);
    } finally {
      pub.close();
      store.close();
    }
  }

  @Test
  @Disabled("under investigation: after a NATS restart plus a 30 s ClickHouse outage the stored set differs from"
      + " the sent set (size reached, content differs); see the issue 4 report")
  void natsRestartAndClickHouseOutageLoseNothing() throws Exception {
    JsonObject cfg = config("b");
    Vertx vertx = Vertx.vertx();
    try {
      StorageVerticle s = deploy(vertx, cfg);
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(cfg));
      await(bus.start());
      List<MarketRecord> sent = Fixtures.trades(Fixtures.DAY0, 30_000, 5_000_000);
      List<Future<Void>> acks = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        acks.add(bus.publish(sent.get(i)));
      }
      nats.stop(); // the publisher buffers while NATS is away
      for (int i = 10_000; i < 20_000; i++) {
        acks.add(bus.publish(sent.get(i)));
      }
      assertThat(bus.stats().buffered()).isGreaterThan(0);
      nats.restart();
      await(Future.all(acks));
      clickhouse.stop(); // batches are retried, unacked, until ClickHouse is back
      for (int i = 20_000; i < 30_000; i++) {
        acks.add(bus.publish(sent.get(i)));
      }
      await(Future.all(acks));
      Thread.sleep(30_000);
      clickhouse.restart();
      assertThat(stored(vertx, s, "trade", 30_000)).isEqualTo(json(sent, "trade"));
      assertThat(bus.stats().dropped()).isZero();
    } finally {
      vertx.close();
    }
  }
}
