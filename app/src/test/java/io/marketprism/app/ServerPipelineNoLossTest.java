package io.marketprism.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.collector.CollectorVerticle;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.simulator.SimulatorOptions;
import io.marketprism.simulator.SimulatorVerticle;
import io.marketprism.simulator.TradeAudit;
import io.marketprism.storage.StorageVerticle;
import io.marketprism.testkit.ClickHouseServer;
import io.marketprism.testkit.ExternalServer;
import io.marketprism.testkit.NatsServer;
import io.marketprism.testkit.RedisServer;
import io.marketprism.testkit.ServiceNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.ConsumerInfo;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The no-loss suite in server mode, end to end, against real servers each test starts for itself
 * on free ports: the exchange simulator (market model, trades on five instruments of the three
 * exchanges) → the collector over WebSocket → JetStream (nats-server) → the storage service in a
 * JVM of its own → ClickHouse, with the latest cache in Redis. While records flow (a) the storage
 * process is SIGKILLed and started again, (b) nats-server stops for a few seconds and comes back,
 * (c) ClickHouse stops for 30 s. Then the simulator stops trading, the pipeline drains, and:
 *
 * <ul>
 *   <li>per instrument, the trades the query API answers (what a user sees) carry exactly the
 *       simulator's trade sequence from the first one stored to the last one it emitted: no hole,
 *       no record twice (counted by rows of the answer and by trade id), nothing it did not emit;
 *   <li>every record JetStream took (trades and order books) is in ClickHouse once by identity, and
 *       the collector dropped none.
 * </ul>
 */
class ServerPipelineNoLossTest {

  private static final String DB = "noloss";
  private static final String DURABLE = "storage_noloss";
  /** The storage JVM: small, as several run on the test machine. */
  private static final List<String> STORAGE_JVM = List.of("-Xmx384m", "-XX:+UseSerialGC");
  /** Records the collector publishes before the storage first starts. */
  private static final int BACKLOG = 2000;
  /** Indexes in {@link #pipelineState}: the stream's messages, trades and books in ClickHouse. */
  private static final int STREAM = 6;
  private static final int TRADES = 7;
  private static final int BOOKS = 8;
  /** How long a drain may take on a loaded machine (a backlog after a 30 s outage included). */
  private static final long DRAIN_MS = 180_000;

  @TempDir
  Path dir;

  private NatsServer nats;
  private ClickHouseServer clickhouse;
  private RedisServer redis;
  private final Vertx exchange = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private SimulatorVerticle simulator;
  private CollectorVerticle collector;
  private ServiceNode storage;
  private int storageStarts;
  private final long t0 = System.nanoTime();

  /** Prints how far the test is (into its output file): where its time goes. */
  private void phase(String what) {
    System.out.printf("%6.1f s %s%n", (System.nanoTime() - t0) / 1e9, what);
  }

  @BeforeEach
  void start() throws Exception {
    // side by side: ClickHouse takes seconds to answer
    CompletableFuture<ClickHouseServer> ch = CompletableFuture.supplyAsync(ClickHouseServer::start);
    CompletableFuture<RedisServer> rs = CompletableFuture.supplyAsync(RedisServer::start);
    nats = NatsServer.start();
    redis = rs.get(60, TimeUnit.SECONDS);
    clickhouse = ch.get(60, TimeUnit.SECONDS);
    SimulatorOptions so = new SimulatorOptions().setExchanges(List.of("binance", "okx", "deribit")).setRate(400)
        .setTradeShare(0.3).setSeed(23).setTradeHistory(1_000_000);
    TradeAudit.listBtcAlone(so);
    simulator = new SimulatorVerticle(so);
    exchange.deployVerticle(simulator).await(30, TimeUnit.SECONDS);
    JsonObject collectorConfig = new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
            .put("reconnect_wait_ms", 100)))
        // a fresh simulator: no trade marks to carry over from another run
        .put("collector", new JsonObject().put("http", new JsonObject().put("port", 0)).put("state_dir", ""))
        .put("exchanges", simulator.collectorExchanges(List.of("trade", "orderbook")));
    // the futures trade stream's past trades (historicalTrades) want a key: any one does for the simulator
    collectorConfig.getJsonObject("exchanges").getJsonObject("binance").put("api_key", "simulatorKey0001");
    collector = new CollectorVerticle();
    exchange.deployVerticle(collector, new DeploymentOptions().setConfig(collectorConfig)).await(30, TimeUnit.SECONDS);
    // the storage starts with a backlog to read: records the stream kept while no storage ran
    awaitTrue("the collector to publish " + BACKLOG + " records", 60_000, 200,
        () -> streamMessages() >= BACKLOG, () -> collector.status().encode());
    storage = startStorage();
    phase("servers, simulator and collector started; storage started with a backlog");
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (storage != null) {
        storage.kill(); // what it stored is checked: its stop would only cost time
      }
      phase("teardown: storage killed");
      exchange.close().await(30, TimeUnit.SECONDS);
      phase("collector and simulator stopped");
    } finally {
      // killed: their data directories are deleted next, so a clean shutdown (seconds for ClickHouse) buys nothing
      for (ExternalServer server : new ExternalServer[] {redis, clickhouse, nats}) {
        if (server != null) {
          server.kill();
          server.close();
        }
      }
    }
    phase("stopped");
  }

  /** The storage service in a JVM of its own (its log in the test's directory), serving. */
  private ServiceNode startStorage() throws Exception {
    JsonObject config = new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
            .put("reconnect_wait_ms", 100)))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "clickhouse").put("url", clickhouse.httpUrl()).put("database", DB))
            .put("cold", new JsonObject().put("database", DB + "_cold"))
            // redelivery of what a killed storage held unacknowledged within seconds, not the default's
            .put("consumer", new JsonObject().put("durable", DURABLE).put("ack_wait_ms", 5000))
            .put("batch_size", 1000).put("flush_interval_ms", 200)
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("cache", new JsonObject().put("type", "redis").put("redis_url", redis.url()));
    Path log = dir.resolve("storage-" + ++storageStarts + ".log");
    return ServiceNode.start(StorageVerticle.class, config, STORAGE_JVM, ProcessBuilder.Redirect.appendTo(log.toFile()));
  }

  /**
   * (a) The storage process is SIGKILLed as soon as it has committed its first batch of the backlog,
   * with the next ones delivered to it and being written, and started again 3 s later.
   */
  @Test
  void storageProcessKilledMidFlowStoresEverythingOnce() throws Exception {
    awaitTrue("the storage's first commit", 60_000, 20,
        () -> storage.json("/api/v1/storage/status").getLong("committed") > 0, () -> "");
    storage.kill(); // no stop hook: batches half written, records delivered and not acknowledged
    List<Long> atKill = pipelineState();
    phase("storage killed mid-backlog: " + atKill);
    assertThat(atKill.get(TRADES) + atKill.get(BOOKS)).as("records stored when the storage was killed")
        .isPositive().isLessThan(atKill.get(STREAM));
    Thread.sleep(3000); // the collector publishes on; JetStream keeps it for the durable consumer
    storage = startStorage();
    Thread.sleep(3000);
    finishAndAssertNothingLostOrDuplicated();
  }

  /** (b) nats-server stops for 2.5 s while the collector publishes: it holds the records, keeps its books, catches up. */
  @Test
  void natsServerRestartMidFlowLosesNothing() throws Exception {
    awaitCommitted(2000);
    long resyncs = bookResyncs();
    nats.stop();
    Thread.sleep(2500);
    JsonObject bus = collector.status().getJsonObject("bus");
    assertThat(bus.getInteger("buffered")).as("records the collector holds while NATS is away: " + bus).isPositive();
    nats.restart();
    Thread.sleep(3000);
    assertThat(collector.status().getJsonArray("connections").stream()
        .mapToLong(c -> ((JsonObject) c).getLong("reconnects", 0L)).sum())
        .as("exchange connections the NATS outage cost").isZero();
    assertThat(bookResyncs()).as("books the collector had to rebuild over the NATS outage").isEqualTo(resyncs);
    finishAndAssertNothingLostOrDuplicated();
  }

  /** (c) ClickHouse is away for 30 s: the storage retries its batches, unacknowledged, and stores the backlog. */
  @Test
  void clickHouseStoppedFor30SecondsLosesNothing() throws Exception {
    awaitCommitted(2000);
    long down = System.nanoTime();
    clickhouse.stop();
    phase("ClickHouse stopped");
    Thread.sleep(Math.max(0, 30_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - down)));
    JsonObject status = storage.json("/api/v1/storage/status");
    assertThat(status.getString("last_write_error")).as("batches failing while ClickHouse is away: " + status)
        .isNotNull();
    clickhouse.restart();
    phase("ClickHouse restarted");
    // what ClickHouse held in its buffers is lost if its stop had to kill it: the storage sees the restart
    // and reads that span of the stream again
    awaitTrue("the storage to see ClickHouse's restart and read again what it may have lost", 60_000, 200, () -> {
      JsonObject now = storage.json("/api/v1/storage/status");
      JsonObject replay = storage.json("/api/v1/storage/replay").getJsonObject("replay");
      return now.getLong("hot_restarts") >= 1 && now.getValue("owed_replay") == null
          && (replay == null || !"running".equals(replay.getString("state")));
    }, () -> storage.json("/api/v1/storage/status") + ", replay " + storage.json("/api/v1/storage/replay"));
    phase("restart seen, replay done");
    finishAndAssertNothingLostOrDuplicated();
  }

  /** Books the collector rebuilt from a snapshot since it started, over every instrument. */
  private long bookResyncs() {
    return collector.status().getJsonArray("books").stream().mapToLong(b -> ((JsonObject) b).getLong("resyncs", 0L))
        .sum();
  }

  /** Waits until the storage has committed {@code n} records: the pipeline runs end to end. */
  private void awaitCommitted(long n) throws Exception {
    awaitTrue("the storage to commit " + n + " records", 60_000, 200,
        () -> storage.json("/api/v1/storage/status").getLong("committed") >= n, () -> "");
    phase(n + " records committed");
  }

  /**
   * Stops the simulator's market, waits until the pipeline has settled (the collector holds nothing
   * unacknowledged, the storage's durable consumer has read and acknowledged the whole stream, and
   * nothing moved for a second), and asserts the stored set is the sent set: every trade the
   * simulator emitted is stored once, and so is every record the stream took.
   */
  private void finishAndAssertNothingLostOrDuplicated() throws Exception {
    simulator.pause().await(10, TimeUnit.SECONDS);
    phase("simulator paused");
    List<Long> last = new ArrayList<>();
    List<Long> now = new ArrayList<>();
    awaitTrue("the pipeline to settle", DRAIN_MS, 1000, () -> {
      last.clear();
      last.addAll(now);
      now.clear();
      now.addAll(pipelineState());
      // published, acked, buffered, in flight; pending, ack pending; stream, stored trades, stored books
      return now.get(2) == 0 && now.get(3) == 0 && now.get(4) == 0 && now.get(5) == 0 && now.equals(last);
    }, () -> "published, acked, buffered, in flight " + now.subList(0, 4) + "; the storage's consumer: pending, "
        + "acknowledgement pending " + now.subList(4, 6) + "; stream " + now.get(STREAM) + ", stored trades "
        + now.get(TRADES) + " and books " + now.get(BOOKS) + "; " + storage.json("/api/v1/storage/status"));
    phase("settled");
    JsonObject bus = collector.status().getJsonObject("bus");
    assertThat(bus.getLong("dropped")).as("records the collector dropped: " + bus).isZero();
    long streamed = now.get(STREAM);
    // a record whose ack the outage lost is sent again and acknowledged as a duplicate: the stream has it once
    assertThat(streamed).as("records in the stream, against those acknowledged: " + bus)
        .isBetween(bus.getLong("acked") - bus.getLong("duplicates"), bus.getLong("acked"));
    // what a user sees
    for (TradeAudit.Instrument in : TradeAudit.BTC) {
      TradeAudit audit = TradeAudit.of(simulator, in.venue(), in.exchangeSymbol(), storedTrades(in));
      assertThat(audit.exact()).as(audit.toString()).isTrue();
      assertThat(audit.carried()).as(audit + ": enough trades to mean something").isGreaterThan(100);
    }
    assertThat(now.get(TRADES) + now.get(BOOKS)).as("records in ClickHouse by identity (trades and books), against the "
        + streamed + " in the stream").isEqualTo(streamed);
  }

  /**
   * The collector's records published, acknowledged, buffered and in flight; the storage consumer's
   * messages pending and acknowledgements pending; the stream's messages; trades and books in ClickHouse.
   */
  private List<Long> pipelineState() throws Exception {
    JsonObject bus = collector.status().getJsonObject("bus");
    List<Long> state = new ArrayList<>(List.of(bus.getLong("published"), bus.getLong("acked"),
        bus.getLong("buffered"), bus.getLong("in_flight")));
    try (Connection nc = Nats.connect(nats.url())) {
      ConsumerInfo c = nc.jetStreamManagement().getConsumerInfo(BusOptions.MARKET_DATA, DURABLE);
      state.add(c.getNumPending());
      state.add((long) c.getNumAckPending());
    }
    state.add(streamMessages());
    state.add(clickHouseCount("trade"));
    state.add(clickHouseCount("orderbook"));
    return state;
  }

  /** Messages in the stream: every record the collector published, once by identity. */
  private long streamMessages() throws Exception {
    try (Connection nc = Nats.connect(nats.url())) {
      return nc.jetStreamManagement().getStreamInfo(BusOptions.MARKET_DATA).getStreamState().getMsgCount();
    }
  }

  /** The trades of an instrument the query API answers, every row of every page: {@code trade_id}, quantity. */
  private List<String[]> storedTrades(TradeAudit.Instrument in) throws Exception {
    List<String[]> rows = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = new JsonObject(get("http://127.0.0.1:" + storage.port() + "/api/v1/storage/trade?exchange="
          + in.exchange() + "&market_type=" + in.marketType() + "&symbol=" + in.symbol() + "&limit=10000"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8))));
      page.getJsonArray("data").forEach(o -> rows.add(new String[] {((JsonObject) o).getString("trade_id"),
          ((JsonObject) o).getValue("quantity").toString()}));
      cursor = page.getString("next_cursor");
    } while (cursor != null);
    return rows;
  }

  /**
   * Records of a table in ClickHouse by identity ({@code FINAL}: what redelivered copies collapse to),
   * with what its buffer holds (written out first).
   */
  private long clickHouseCount(String table) throws Exception {
    HttpResponse<String> flushed = http.send(HttpRequest.newBuilder(URI.create(clickhouse.httpUrl()))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("OPTIMIZE TABLE " + DB + "." + table + "_buffer")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(flushed.statusCode()).as(flushed.body()).isEqualTo(200);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(clickhouse.httpUrl()))
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("SELECT count() FROM " + DB + "." + table + " FINAL")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Long.parseLong(r.body().trim());
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  /** Polls {@code condition} every {@code pollMs} until it holds; fails after {@code timeoutMs} with {@code state}. */
  private static void awaitTrue(String what, long timeoutMs, long pollMs, Callable<Boolean> condition,
      Callable<String> state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + ": " + state.call());
      }
      Thread.sleep(pollMs);
    }
  }
}
