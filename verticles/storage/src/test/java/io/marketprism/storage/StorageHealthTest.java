package io.marketprism.storage;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.FreePorts;
import io.marketprism.testkit.RedisServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A storage whose NATS or ClickHouse cannot be reached, or whose ClickHouse hangs, says so in its
 * health, naming the server; without Redis it is degraded, not down.
 */
class StorageHealthTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void healthIsDownNamingTheNatsServerItCannotReach(@TempDir Path dir) throws Exception {
    String url = "nats://127.0.0.1:" + FreePorts.next();
    JsonObject config = new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", url)
            .put("connect_timeout_ms", 200)))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "duckdb").put("path", dir.resolve("hot.duckdb").toString()))
            .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()))
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "memory"));
    StorageVerticle storage = new StorageVerticle();
    vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
    JsonObject bus = check(storage, "bus");
    assertThat(bus.getString("status")).isEqualTo("DOWN");
    assertThat(bus.getJsonObject("data").getString("error")).contains(url, "not reachable");
  }

  @Test
  void withoutItsRedisTheServiceIsUpButDegradedNamingItAndLatestStillAnswers(@TempDir Path dir) throws Exception {
    String url = "redis://127.0.0.1:" + FreePorts.next();
    JsonObject config = withRedisCache(dir, new JsonObject().put("redis_url", url));
    StorageVerticle storage = new StorageVerticle();
    vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(config));
    bus.start().await(10, TimeUnit.SECONDS);
    bus.publish(Fixtures.trades(Fixtures.DAY0, 1, 1).get(0)).await(10, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 20_000;
    JsonObject cache = check(storage, "latest_cache");
    while (!cache.containsKey("data") && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      cache = check(storage, "latest_cache");
    }
    assertThat(cache.getString("status")).isEqualTo("UP");
    assertThat(cache.getJsonObject("data").getString("degraded")).contains(url);
    assertThat(health(storage).getString("status")).isEqualTo("UP");
    // latest still answers, from what this instance has seen (once it has stored the record: the cache is
    // degraded from the start, so that is no sign the record arrived)
    HttpResponse<Buffer> latest = null;
    while (System.currentTimeMillis() < deadline && (latest == null || latest.statusCode() == 404)) {
      latest = WebClient.create(vertx).get(storage.actualPort(), "127.0.0.1",
          "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT").send()
          .await(10, TimeUnit.SECONDS);
      Thread.sleep(latest.statusCode() == 404 ? 100 : 0);
    }
    assertThat(latest.statusCode()).isEqualTo(200);
  }

  @Test
  void aClickHouseThatHangsIsDownInTheHealthWithinSecondsNamingIt() throws Exception {
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      JsonObject config = new JsonObject()
          .put("bus", new JsonObject().put("type", "eventbus"))
          .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
              .put("hot", new JsonObject().put("type", "clickhouse").put("url", ch.httpUrl())
                  .put("database", "hang").put("timeout_ms", 30_000).put("query_timeout_ms", 1_500))
              .put("cold", new JsonObject().put("database", "hang_cold"))
              .put("archive", new JsonObject().put("interval_minutes", 0)))
          .put("cache", new JsonObject().put("type", "memory"));
      StorageVerticle storage = new StorageVerticle();
      vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
      assertThat(check(storage, "hot_store").getString("status")).isEqualTo("UP");
      ch.freeze();
      try {
        long asked = System.currentTimeMillis();
        JsonObject hot = check(storage, "hot_store");
        assertThat(hot.getString("status")).isEqualTo("DOWN");
        assertThat(hot.getJsonObject("data").getString("error")).contains("ClickHouse at " + ch.httpUrl());
        assertThat(System.currentTimeMillis() - asked).isLessThan(5_000); // not the writes' 30 s timeout
        // a user query fails within its own timeout, naming ClickHouse, before a gateway in front gives up
        asked = System.currentTimeMillis();
        HttpResponse<Buffer> query = WebClient.create(vertx).get(storage.actualPort(), "127.0.0.1",
            "/api/v1/storage/trade?limit=1").send().await(10, TimeUnit.SECONDS);
        assertThat(query.statusCode()).isEqualTo(503);
        assertThat(query.bodyAsJsonObject().getJsonObject("error").getString("message"))
            .contains("ClickHouse at " + ch.httpUrl());
        assertThat(System.currentTimeMillis() - asked).isLessThan(4_000);
      } finally {
        ch.thaw();
      }
      long deadline = System.currentTimeMillis() + 20_000;
      while (!"UP".equals(check(storage, "hot_store").getString("status")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(check(storage, "hot_store").getString("status")).isEqualTo("UP");
    }
  }

  @Test
  void aRedisThatHangsLeavesLatestAnsweringAndTheCacheDegraded(@TempDir Path dir) throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      JsonObject config = withRedisCache(dir, new JsonObject().put("redis_url", redis.url()).put("timeout_ms", 200));
      StorageVerticle storage = new StorageVerticle();
      vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(config));
      bus.start().await(10, TimeUnit.SECONDS);
      WebClient http = WebClient.create(vertx);
      String uri = "/api/v1/storage/latest/trade?exchange=binance&market_type=spot&symbol=BTC-USDT";
      bus.publish(Fixtures.trades(Fixtures.DAY0, 1, 1).get(0)).await(10, TimeUnit.SECONDS);
      long deadline = System.currentTimeMillis() + 20_000;
      while (http.get(storage.actualPort(), "127.0.0.1", uri).send().await(10, TimeUnit.SECONDS).statusCode() != 200
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      redis.freeze();
      try {
        long asked = System.currentTimeMillis();
        HttpResponse<Buffer> latest = http.get(storage.actualPort(), "127.0.0.1", uri).send()
            .await(10, TimeUnit.SECONDS);
        assertThat(latest.statusCode()).isEqualTo(200);
        assertThat(System.currentTimeMillis() - asked).isLessThan(2_000);
        bus.publish(Fixtures.trades(Fixtures.DAY0 + 1000, 1, 1).get(0)).await(10, TimeUnit.SECONDS);
        deadline = System.currentTimeMillis() + 20_000;
        JsonObject cache = check(storage, "latest_cache");
        while (!cache.containsKey("data") && System.currentTimeMillis() < deadline) {
          Thread.sleep(100);
          cache = check(storage, "latest_cache");
        }
        assertThat(cache.getString("status")).isEqualTo("UP");
        assertThat(cache.getJsonObject("data").getString("degraded")).contains(redis.url());
      } finally {
        redis.thaw();
      }
    }
  }

  @Test
  void aRedisThatNeverAnsweredIsDegradedBeforeAnyRecordIsCached(@TempDir Path dir) throws Exception {
    // no record comes: only a failed write used to tell, so a wrong cache.redis_url looked healthy
    String url = "redis://127.0.0.1:" + FreePorts.next();
    StorageVerticle storage = new StorageVerticle();
    vertx.deployVerticle(storage, new DeploymentOptions().setConfig(withRedisCache(dir, new JsonObject()
        .put("redis_url", url)))).await(30, TimeUnit.SECONDS);
    JsonObject cache = check(storage, "latest_cache");
    assertThat(cache.getString("status")).isEqualTo("UP");
    assertThat(cache.getJsonObject("data").getString("degraded")).contains(url, "cache.redis_url", "does not answer");
    assertThat(health(storage).getString("status")).isEqualTo("UP");
  }

  /**
   * A ClickHouse that does not answer at start does not fail the storage's start (a node that
   * runs it beside a collector keeps that running): the health and every query name it, and once
   * it answers the storage creates its schema and stores what the bus brings.
   */
  @Test
  void aClickHouseThatDoesNotAnswerAtStartIsNamedUntilItAnswersThenRecordsAreStored() throws Exception {
    int port = FreePorts.next();
    String url = "http://127.0.0.1:" + port;
    JsonObject config = new JsonObject()
        .put("bus", new JsonObject().put("type", "eventbus"))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", url).put("database", "late"))
            .put("cold", new JsonObject().put("database", "late_cold"))
            .put("batch_size", 10).put("flush_interval_ms", 50)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "memory"));
    StorageVerticle storage = new StorageVerticle();
    vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
    JsonObject hot = check(storage, "hot_store");
    assertThat(hot.getString("status")).isEqualTo("DOWN");
    assertThat(hot.getJsonObject("data").getString("error")).contains("ClickHouse at " + url + " (storage.hot.url)");
    HttpResponse<Buffer> query = WebClient.create(vertx).get(storage.actualPort(), "127.0.0.1",
        "/api/v1/storage/trade?limit=1").send().await(10, TimeUnit.SECONDS);
    assertThat(query.statusCode()).isEqualTo(503);
    assertThat(query.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("ClickHouse at " + url);
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(config));
    bus.start().await(10, TimeUnit.SECONDS);
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      // ClickHouse comes, at the address configured: a TCP relay on that port to the server just started
      int chPort = java.net.URI.create(ch.httpUrl()).getPort();
      NetClient relay = vertx.createNetClient();
      vertx.createNetServer().connectHandler(in -> {
        in.pause();
        relay.connect(chPort, "127.0.0.1").onSuccess(out -> {
          in.pipeTo(out);
          out.pipeTo(in);
          in.resume();
        }).onFailure(e -> in.close());
      }).listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
      long deadline = System.currentTimeMillis() + 30_000;
      while (!"UP".equals(check(storage, "hot_store").getString("status")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertThat(check(storage, "hot_store").getString("status")).isEqualTo("UP");
      bus.publish(Fixtures.trades(Fixtures.DAY0, 1, 1).get(0)).await(10, TimeUnit.SECONDS);
      assertThat(storedTrades(storage, deadline)).hasSize(1);
    }
  }

  /**
   * A ClickHouse that refuses the configured login does not fail the start with a stack trace: the
   * health and every query say, in one line, which user it refused and which keys to fix (never the
   * password); with the right password the same storage stores and answers.
   */
  @Test
  void aRefusedLoginIsNamedWithTheKeysToFixAndTheRightPasswordStoresAndQueries() throws Exception {
    assumeTrue(ClickHouseServer.chdb() == null, "chDB has no users: it takes any login");
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      String wrong = "not-" + ClickHouseServer.PASSWORD;
      JsonObject refusedConfig = clickHouseAs(ch, "login", ClickHouseServer.PASSWORD_USER, wrong);
      StorageVerticle refused = new StorageVerticle();
      vertx.deployVerticle(refused, new DeploymentOptions().setConfig(refusedConfig)).await(30, TimeUnit.SECONDS);
      JsonObject hot = check(refused, "hot_store");
      assertThat(hot.getString("status")).isEqualTo("DOWN");
      assertThat(hot.getJsonObject("data").getString("error"))
          .startsWith("ClickHouse at " + ch.httpUrl() + ": refused user '" + ClickHouseServer.PASSWORD_USER
              + "': wrong password or unknown user")
          .endsWith("; check storage.hot.user / storage.hot.password")
          .doesNotContain(wrong);
      HttpResponse<Buffer> query = WebClient.create(vertx).get(refused.actualPort(), "127.0.0.1",
          "/api/v1/storage/trade?limit=1").send().await(10, TimeUnit.SECONDS);
      assertThat(query.statusCode()).isEqualTo(503);
      assertThat(query.bodyAsJsonObject().getJsonObject("error").getString("message"))
          .contains("refused user '" + ClickHouseServer.PASSWORD_USER + "'", "storage.hot.password")
          .doesNotContain(wrong);
      vertx.undeploy(refused.deploymentID()).await(30, TimeUnit.SECONDS);

      JsonObject config = clickHouseAs(ch, "login", ClickHouseServer.PASSWORD_USER, ClickHouseServer.PASSWORD);
      StorageVerticle storage = new StorageVerticle();
      vertx.deployVerticle(storage, new DeploymentOptions().setConfig(config)).await(60, TimeUnit.SECONDS);
      assertThat(check(storage, "hot_store").getString("status")).isEqualTo("UP");
      RecordBus bus = RecordBus.create(vertx, BusOptions.from(config));
      bus.start().await(10, TimeUnit.SECONDS);
      bus.publish(Fixtures.trades(Fixtures.DAY0, 1, 1).get(0)).await(10, TimeUnit.SECONDS);
      assertThat(storedTrades(storage, System.currentTimeMillis() + 30_000)).hasSize(1);
    }
  }

  /** A ClickHouse storage on the embedded bus, logging in as {@code user} with {@code password}. */
  private static JsonObject clickHouseAs(ClickHouseServer ch, String db, String user, String password) {
    return new JsonObject()
        .put("bus", new JsonObject().put("type", "eventbus"))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", ch.httpUrl()).put("database", db)
                .put("user", user).put("password", password))
            .put("cold", new JsonObject().put("database", db + "_cold"))
            .put("batch_size", 10).put("flush_interval_ms", 50)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "memory"));
  }

  /** A DuckDB storage on the embedded bus whose latest cache is Redis, with these {@code cache} settings. */
  private static JsonObject withRedisCache(Path dir, JsonObject cache) {
    return new JsonObject()
        .put("bus", new JsonObject().put("type", "eventbus"))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "duckdb").put("path", dir.resolve("hot.duckdb").toString()))
            .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()))
            .put("batch_size", 10).put("flush_interval_ms", 50)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", cache.put("type", "redis"));
  }

  private JsonObject health(StorageVerticle storage) throws Exception {
    return WebClient.create(vertx).get(storage.actualPort(), "127.0.0.1", "/health").send()
        .await(10, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  private JsonObject check(StorageVerticle storage, String id) throws Exception {
    return health(storage).getJsonArray("checks").stream().map(o -> (JsonObject) o)
        .filter(c -> c.getString("id").equals(id)).findFirst().orElseThrow();
  }
  /** The stored trades, asked until there are some (or the deadline passes). */
  private JsonArray storedTrades(StorageVerticle storage, long deadline) throws Exception {
    JsonArray records = new JsonArray();
    while (records.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      HttpResponse<Buffer> page = WebClient.create(vertx).get(storage.actualPort(), "127.0.0.1",
          "/api/v1/storage/trade?start=0&limit=10").send().await(10, TimeUnit.SECONDS);
      if (page.statusCode() == 200) {
        records = page.bodyAsJsonObject().getJsonArray("data");
      }
    }
    return records;
  }
}
