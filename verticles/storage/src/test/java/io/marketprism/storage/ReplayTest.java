package io.marketprism.storage;

import io.marketprism.model.MarketRecord;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.NatsServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/v1/storage/replay}: records ClickHouse lost after they were acknowledged (here a
 * day dropped by hand; in life a power cut, since ClickHouse 18.16 does not sync its files) are read
 * again from the stream and stored once more, each once; a second replay changes nothing; bad input
 * is a 400, and the embedded bus, which keeps nothing, answers a 409 that says so.
 */
class ReplayTest {

  static ClickHouseServer clickhouse;
  NatsServer nats;
  Vertx vertx;
  WebClient http;

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
    vertx = Vertx.vertx();
    http = WebClient.create(vertx);
  }

  @AfterEach
  void stopServers() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
    nats.close();
  }

  private JsonObject serverConfig() {
    return new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", clickhouse.httpUrl()).put("database", "rp"))
            .put("cold", new JsonObject().put("database", "rp_cold"))
            .put("batch_size", 500).put("flush_interval_ms", 50)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "memory"))
        .put("gateway", ADMIN);
  }

  /** An admin key (the replay is an admin route, as archive is). */
  private static final JsonObject ADMIN = new JsonObject().put("auth", new JsonObject().put("api_keys",
      new io.vertx.core.json.JsonArray().add(new JsonObject().put("name", "ops")
          .put("sha256", io.marketprism.platform.auth.ApiKey.sha256Hex(StorageApiTest.ADMIN_KEY))
          .put("roles", new io.vertx.core.json.JsonArray().add("admin")))));

  private StorageVerticle deploy(JsonObject cfg) throws Exception {
    StorageVerticle s = new StorageVerticle();
    vertx.deployVerticle(s, new DeploymentOptions().setConfig(cfg)).await(60, TimeUnit.SECONDS);
    return s;
  }

  private HttpResponse<Buffer> get(StorageVerticle s, String uri) throws Exception {
    return http.get(s.actualPort(), "127.0.0.1", uri).send().await(10, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> post(StorageVerticle s, String body) throws Exception {
    return postAsync(s, body).await(10, TimeUnit.SECONDS);
  }

  private Future<HttpResponse<Buffer>> postAsync(StorageVerticle s, String body) {
    return http.post(s.actualPort(), "127.0.0.1", "/api/v1/storage/replay").putHeader("X-API-Key", StorageApiTest.ADMIN_KEY)
        .sendBuffer(Buffer.buffer(body));
  }

  /** Every trade id the API reads over the fixture's two days, walking by cursor. */
  private List<String> tradeIds(StorageVerticle s) throws Exception {
    List<String> ids = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = get(s, "/api/v1/storage/trade?exchange=binance&market_type=spot&symbol=BTC-USDT&start="
          + Fixtures.DAY0 + "&end=" + (Fixtures.DAY0 + 2 * 86_400_000L) + "&limit=700"
          + (cursor == null ? "" : "&cursor=" + cursor)).bodyAsJsonObject();
      page.getJsonArray("data").forEach(o -> ids.add(((JsonObject) o).getString("trade_id")));
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    return ids;
  }

  private static long clickHouseCount(String sql) throws Exception {
    return Long.parseLong(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(clickhouse.httpUrl()))
        .POST(HttpRequest.BodyPublishers.ofString(sql)).build(), java.net.http.HttpResponse.BodyHandlers.ofString())
        .body().trim());
  }

  private static void clickHouse(String sql) throws Exception {
    java.net.http.HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(clickhouse.httpUrl())).POST(HttpRequest.BodyPublishers.ofString(sql)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }

  /** Publishes 3,000 trades, one a second (the first day's 86,400 s hold them all: one day partition), and waits until stored. */
  private List<MarketRecord> storeTrades(StorageVerticle s, RecordBus bus) throws Exception {
    List<MarketRecord> trades = Fixtures.trades(Fixtures.DAY0, 3_000, 1);
    Future.all(trades.stream().map(bus::publish).toList()).await(60, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 60_000;
    while (get(s, "/api/v1/storage/status").bodyAsJsonObject().getLong("committed") < trades.size()) {
      assertThat(System.currentTimeMillis()).as("not committed in time").isLessThan(deadline);
      Thread.sleep(50);
    }
    return trades;
  }

  /** Waits for the replay's end: it read up to the last trade, and the API reads each trade once. */
  private void assertReplayRestored(StorageVerticle s, List<MarketRecord> trades) throws Exception {
    JsonObject done = replayDone(s);
    assertThat(done.getString("state")).as(done.encode()).isEqualTo("done");
    assertThat(done.getLong("target_seq")).isEqualTo(trades.size());
    List<String> read = tradeIds(s);
    assertThat(read).doesNotHaveDuplicates();
    assertThat(new HashSet<>(read)).isEqualTo(ids(trades));
  }

  private static Set<String> ids(List<MarketRecord> trades) {
    return new HashSet<>(trades.stream().map(t -> ((io.marketprism.model.TradeRecord) t).tradeId()).toList());
  }

  private JsonObject replayDone(StorageVerticle s) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      JsonObject r = get(s, "/api/v1/storage/replay").bodyAsJsonObject().getJsonObject("replay");
      if (!"running".equals(r.getString("state"))) {
        return r;
      }
      assertThat(System.currentTimeMillis()).as("replay still running: " + r).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void recordsTheStoreLostAreStoredAgainOnceAndASecondReplayChangesNothing() throws Exception {
    StorageVerticle s = deploy(serverConfig());
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(serverConfig()));
    bus.start().await(20, TimeUnit.SECONDS);
    long since = System.currentTimeMillis() - 1;
    List<MarketRecord> trades = storeTrades(s, bus);
    Set<String> sent = ids(trades);
    assertThat(new HashSet<>(tradeIds(s))).isEqualTo(sent);

    // the store loses the day after it was acknowledged
    clickHouse("OPTIMIZE TABLE rp.trade_buffer"); // written out of ClickHouse's memory first
    clickHouse("ALTER TABLE rp.trade DROP PARTITION 20240101");
    assertThat(tradeIds(s)).isEmpty();

    HttpResponse<Buffer> started = post(s, new JsonObject().put("since", since).put("subjects", "trade.>").encode());
    assertThat(started.statusCode()).as(started.bodyAsString()).isEqualTo(202);
    assertThat(started.bodyAsJsonObject().getJsonObject("replay").getString("subjects")).isEqualTo("trade.>");
    assertReplayRestored(s, trades);
    JsonObject status = get(s, "/api/v1/storage/status").bodyAsJsonObject();
    assertThat(status.getLong("replayed")).isEqualTo(trades.size());
    assertThat(status.getLong("committed")).as("live counts stay the live consumer's").isEqualTo(trades.size());

    // nothing lost: a replay of everything stores each again, absorbed by identity
    // and two asked at once: one runs, the other is a 409
    List<Future<HttpResponse<Buffer>>> both = List.of(postAsync(s, "{\"since\":\"2020-01-01T00:00:00Z\"}"),
        postAsync(s, "{\"since\":\"2020-01-01T00:00:00Z\"}"));
    Future.join(both).await(20, TimeUnit.SECONDS);
    assertThat(both.stream().map(f -> f.result().statusCode()).sorted().toList()).as(both.stream()
        .map(f -> f.result().bodyAsString()).toList().toString()).containsExactly(202, 409);
    assertThat(replayDone(s).getString("state")).isEqualTo("done");
    assertThat(tradeIds(s)).hasSize(trades.size()).doesNotHaveDuplicates();

    // the replays' consumers are gone; the live one stays
    try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats.url())) {
      assertThat(c.jetStreamManagement().getConsumerNames(BusOptions.MARKET_DATA)).containsExactly("storage");
    }
    bus.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * A replay whose storage stopped before it ended (its consumer stays on the server a day) is
   * gone on with by the next storage that starts: the records the store lost are stored, each once.
   */
  @Test
  void aReplayLeftByAStoppedStorageIsFinishedByTheNextOne() throws Exception {
    StorageVerticle s = deploy(serverConfig());
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(serverConfig()));
    bus.start().await(20, TimeUnit.SECONDS);
    long since = System.currentTimeMillis() - 1;
    List<MarketRecord> trades = storeTrades(s, bus);
    long deadline = System.currentTimeMillis() + 60_000;
    clickHouse("OPTIMIZE TABLE rp.trade_buffer"); // written out of ClickHouse's memory first
    clickHouse("ALTER TABLE rp.trade DROP PARTITION 20240101");
    vertx.undeploy(s.deploymentID()).await(30, TimeUnit.SECONDS);

    // the stopped storage's replay: asked for, its first batch not stored, then its process stopped
    io.marketprism.platform.bus.Replay left = bus.replay(new io.marketprism.platform.bus.ConsumerSpec(
        BusOptions.MARKET_DATA, "storage_replay_1", "trade.>", 500, java.time.Duration.ofMillis(50),
        java.time.Duration.ofSeconds(30), 1), since, "a-node-that-stopped",
        batch -> Future.failedFuture("the store was away")).await(20, TimeUnit.SECONDS);
    while (left.stats().getLong("failed_batches") == 0) {
      assertThat(System.currentTimeMillis()).as("no batch in time").isLessThan(deadline);
      Thread.sleep(20);
    }
    left.close().await(30, TimeUnit.SECONDS);
    bus.close().await(20, TimeUnit.SECONDS);

    StorageVerticle next = deploy(serverConfig());
    while (get(next, "/api/v1/storage/replay").bodyAsJsonObject().getValue("replay") == null) {
      assertThat(System.currentTimeMillis()).as("the left replay was not taken up").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertReplayRestored(next, trades);
    assertThat(replayDone(next).getString("durable")).startsWith("storage_replay_").isNotEqualTo("storage_replay_1");
    try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats.url())) {
      assertThat(c.jetStreamManagement().getConsumerNames(BusOptions.MARKET_DATA)).containsExactly("storage");
    }
  }

  /**
   * Two storages looking at the stream's replays at the same instant: only one takes over the replay a
   * stopped storage left (without the cluster-wide lock each made a consumer of its own and read it all).
   */
  @Test
  void twoStoragesLookingAtOnceTakeOverALeftReplayOnce() throws Exception {
    StorageVerticle s = deploy(serverConfig());
    StorageVerticle other = deploy(serverConfig());
    long deployed = System.currentTimeMillis();
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(serverConfig()));
    bus.start().await(20, TimeUnit.SECONDS);
    long since = System.currentTimeMillis() - 1;
    List<MarketRecord> trades = Fixtures.trades(Fixtures.DAY0, 3_000, 1);
    Future.all(trades.stream().map(bus::publish).toList()).await(60, TimeUnit.SECONDS);
    while (s.status().getLong("committed") + other.status().getLong("committed") < trades.size()) {
      assertThat(System.currentTimeMillis() - deployed).as("not committed in time").isLessThan(20_000);
      Thread.sleep(50);
    }
    clickHouse("OPTIMIZE TABLE rp.trade_buffer"); // written out of ClickHouse's memory first
    clickHouse("ALTER TABLE rp.trade DROP PARTITION 20240101");
    // each storage's own first look is at most 5 s after its start, its next 30 s later: between them, the
    // left replay is there for the two looks asked for here only
    Thread.sleep(Math.max(0, deployed + 5_500 - System.currentTimeMillis()));
    io.marketprism.platform.bus.Replay left = bus.replay(new io.marketprism.platform.bus.ConsumerSpec(
        BusOptions.MARKET_DATA, "storage_replay_1", "trade.>", 500, java.time.Duration.ofMillis(50),
        java.time.Duration.ofSeconds(30), 1), since, "a-node-that-stopped",
        batch -> Future.failedFuture("the store was away")).await(20, TimeUnit.SECONDS);
    left.close().await(30, TimeUnit.SECONDS);

    List<Future<List<io.marketprism.platform.bus.Replay>>> looks = List.of(s.resumeReplaysNow(),
        other.resumeReplaysNow());
    Future.join(looks).await(20, TimeUnit.SECONDS);
    assertThat(System.currentTimeMillis() - deployed).as("within the window").isLessThan(30_000);
    List<Integer> taken = looks.stream().map(f -> f.succeeded() ? f.result().size() : 0).toList();
    assertThat(taken).as(looks.stream().map(f -> String.valueOf(f.cause())).toList().toString())
        .containsExactlyInAnyOrder(1, 0);
    StorageVerticle taker = taken.get(0) == 1 ? s : other;
    assertReplayRestored(taker, trades);
    assertThat(get(taker == s ? other : s, "/api/v1/storage/replay").bodyAsJsonObject().getValue("replay")).isNull();
    try (io.nats.client.Connection c = io.nats.client.Nats.connect(nats.url())) {
      assertThat(c.jetStreamManagement().getConsumerNames(BusOptions.MARKET_DATA)).containsExactly("storage");
    }
    bus.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * ClickHouse restarted: what it committed shortly before may be gone (it does not sync its files: a
   * power cut loses what the machine held in memory). The storage sees the restart and reads that
   * span of the stream again by itself. Here the power cut is ClickHouse killed and the trade table's
   * parts, all written in the last seconds, removed from its disk before it starts again.
   */
  @Test
  void aRestartOfClickHouseIsFollowedByAReplayOfWhatItCommittedBefore() throws Exception {
    StorageVerticle s = deploy(serverConfig());
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(serverConfig()));
    bus.start().await(20, TimeUnit.SECONDS);
    List<MarketRecord> trades = storeTrades(s, bus);
    long deadline = System.currentTimeMillis() + 90_000;
    // the storage has seen the server's start (at its own start, before its consumer existed)
    while (s.status().getValue("hot_server_start_ms") == null) {
      assertThat(System.currentTimeMillis()).as("no look at the server: " + s.status()).isLessThan(deadline);
      Thread.sleep(100);
    }
    long firstStart = s.status().getLong("hot_server_start_ms");
    clickhouse.kill();
    try (var parts = java.nio.file.Files.list(clickhouse.dir().resolve("data/data/rp/trade"))) {
      for (Path part : parts.filter(p -> p.getFileName().toString().matches("\\d{8}_\\d+_\\d+_\\d+")).toList()) {
        try (var files = java.nio.file.Files.walk(part)) {
          for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            java.nio.file.Files.delete(f);
          }
        }
      }
    }
    clickhouse.restart();
    assertThat(clickHouseCount("SELECT count() FROM rp.trade") + clickHouseCount("SELECT count() FROM system.parts "
        + "WHERE database = 'rp' AND table = 'trade'")).as("the parts lost, before the storage looks again").isZero();

    JsonObject status = s.status();
    while (status.getLong("hot_restarts") == 0 || status.getValue("owed_replay") != null
        || "running".equals(replayState(s))) {
      assertThat(System.currentTimeMillis()).as("no replay after the restart: " + status).isLessThan(deadline);
      Thread.sleep(100);
      status = s.status();
    }
    assertThat(status.getLong("hot_restarts")).isEqualTo(1);
    assertThat(status.getLong("hot_server_start_ms")).isGreaterThan(firstStart);
    assertReplayRestored(s, trades);
    assertThat(s.status().getLong("committed")).as("the live consumer's count").isEqualTo(trades.size());
    bus.close().await(20, TimeUnit.SECONDS);
  }

  /**
   * The storage notes the server's start at its own first start, before its durable consumer exists:
   * a ClickHouse restart in its first seconds, which loses what ClickHouse held in its buffers, is
   * seen as one (the look 5 s later found no start to compare with and counted none).
   */
  @Test
  void theServerStartIsKnownFromTheFirstStartOnBeforeTheConsumerExists() throws Exception {
    StorageVerticle s = deploy(serverConfig());
    assertThat(s.status().getValue("hot_server_start_ms")).as(s.status().encode()).isNotNull();
  }

  private String replayState(StorageVerticle s) throws Exception {
    JsonObject r = get(s, "/api/v1/storage/replay").bodyAsJsonObject().getJsonObject("replay");
    return r == null ? null : r.getString("state");
  }

  @Test
  void badRequestsAre400sNamingWhatIsWrong() throws Exception {
    StorageVerticle s = deploy(serverConfig());
    String[][] cases = {
        {"", "since"},
        {"[1]", "since"},
        {"{\"subjects\":\">\"}", "since"},
        {"{\"since\":\"yesterday\"}", "since"},
        {"{\"since\":" + (System.currentTimeMillis() + 3_600_000) + "}", "future"},
        {"{\"since\":0,\"subjects\":\"trade..x\"}", "subjects"},
        {"{\"since\":0,\"subjects\":\"kline.>.x\"}", "subjects"},
        {"{\"since\":0,\"until\":5}", "until"},
        {"{\"since\":0,\"subjects\":\"*\"}", "subjects"},
        {"{\"since\":0,\"subjects\":\"Trade.>\"}", "subjects"},
        {"{\"since\":0,\"subjects\":\"trade.*\"}", "subjects"},
        {"{\"since\":0,\"subjects\":\"*.binance.spot.BTC-USDT\"}", "must start with a data type"},
    };
    for (String[] c : cases) {
      HttpResponse<Buffer> r = post(s, c[0]);
      assertThat(r.statusCode()).as(c[0] + " -> " + r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).as(c[0]).contains(c[1]);
    }
    assertThat(get(s, "/api/v1/storage/replay").bodyAsJsonObject().getValue("replay")).isNull();

    // a replay another storage instance runs (behind the gateway a request reaches any): one at a time
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(serverConfig()));
    bus.start().await(20, TimeUnit.SECONDS);
    Future.all(Fixtures.trades(Fixtures.DAY0, 10, 1).stream().map(bus::publish).toList()).await(20, TimeUnit.SECONDS);
    io.vertx.core.Promise<Void> held = io.vertx.core.Promise.promise(); // it runs while this test looks
    bus.replay(new io.marketprism.platform.bus.ConsumerSpec(BusOptions.MARKET_DATA, "storage_replay_9", "trade.>",
        500, java.time.Duration.ofMillis(50), java.time.Duration.ofSeconds(30), 1), 0, "another-node",
        batch -> held.future()).await(20, TimeUnit.SECONDS);
    HttpResponse<Buffer> busy = post(s, "{\"since\":0}");
    assertThat(busy.statusCode()).as(busy.bodyAsString()).isEqualTo(409);
    assertThat(busy.bodyAsJsonObject().getJsonObject("error").getString("message"))
        .contains("storage_replay_9").contains("another-node");
    JsonObject shown = get(s, "/api/v1/storage/replay").bodyAsJsonObject();
    assertThat(shown.getValue("replay")).isNull();
    assertThat(shown.getJsonArray("replays").getJsonObject(0).getString("run_by")).as(shown.encode())
        .isEqualTo("another-node");
  }

  @Test
  void theEmbeddedBusKeepsNothingToReplayAndSaysSo(@TempDir Path dir) throws Exception {
    StorageVerticle s = deploy(new JsonObject()
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "duckdb").put("path", dir.resolve("hot.duckdb").toString()))
            .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()))
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("gateway", ADMIN));
    HttpResponse<Buffer> r = post(s, "{\"since\":0}");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(409);
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("JetStream");
  }
}
