package io.marketprism.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.marketprism.collector.CollectorVerticle;
import io.marketprism.simulator.SimulatorOptions;
import io.marketprism.simulator.SimulatorVerticle;
import io.marketprism.simulator.TrueMatches;
import io.marketprism.simulator.model.Trade;
import io.marketprism.storage.StorageVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The no-loss suite in embedded mode, where it applies (the event bus is not durable across a
 * JVM crash, so the cases are the clean stop and the restart): simulator → collector (WebSocket)
 * → event bus → storage → DuckDB file. The services are stopped while trades flow, collector
 * first, and started again on the same file: every record the collector published was committed,
 * and the trades in the file are, per instrument, the simulator's own trade sequence with no
 * duplicate and no hole: the trades sent while the collector was stopped are fetched by the next
 * one from the trade marks it left in its state directory, and what both runs emitted is stored
 * once (a hole is only tolerated per reconnect, if any happened).
 */
class EmbeddedPipelineNoLossTest {

  /** exchange, market type, exchange symbol, normalized symbol, simulator venue. */
  private static final List<String[]> INSTRUMENTS = List.of(
      new String[] {"binance", "spot", "BTCUSDT", "BTC-USDT", "binance"},
      new String[] {"binance", "perpetual", "BTCUSDT", "BTC-USDT", "binance-usdm"},
      new String[] {"okx", "spot", "BTC-USDT", "BTC-USDT", "okx"},
      new String[] {"deribit", "perpetual", "BTC-PERPETUAL", "BTC-USD", "deribit"});
  private static final int ROUNDS = 2;

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** Trade gaps the collector is still fetching, from its status route (1 while it does not answer in time). */
  private static long pendingTradeGaps(int port) throws Exception {
    HttpResponse<String> r;
    try {
      r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/api/v1/collector/status")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException busyMachine) {
      return 1; // asked again until the round's deadline
    }
    long n = 0;
    for (Object c : new JsonObject(r.body()).getJsonArray("connections")) {
      n += ((JsonObject) c).getLong("trade_gaps_pending");
    }
    return n;
  }

  @Test
  void stopsAndRestartsStoreEveryPublishedRecordOnce() throws Exception {
    SimulatorOptions so = new SimulatorOptions().setExchanges(List.of("binance", "okx", "deribit")).setRate(1500)
        .setSeed(11).setTradeHistory(1_000_000);
    so.setSymbols("binance", "spot", List.of("BTCUSDT"));
    so.setSymbols("binance", "perpetual", List.of("BTCUSDT"));
    so.setSymbols("okx", "spot", List.of("BTC-USDT"));
    so.setSymbols("deribit", "perpetual", List.of("BTC-PERPETUAL"));
    so.setSymbols("deribit", "options", List.of());
    SimulatorVerticle simulator = new SimulatorVerticle(so);
    vertx.deployVerticle(simulator).await(20, TimeUnit.SECONDS);
    Path file = dir.resolve("marketprism.duckdb");
    JsonObject root = new JsonObject()
        .put("bus", new JsonObject().put("type", "eventbus"))
        .put("storage", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("hot", new JsonObject().put("type", "duckdb").put("path", file.toString()))
            .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()))
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("collector", new JsonObject().put("http", new JsonObject().put("port", 0))
            .put("state_dir", dir.resolve("collector").toString()))
        .put("exchanges", simulator.collectorExchanges(List.of("trade", "orderbook")));
    // the futures trade stream's past trades (historicalTrades) want a key: any one does for the simulator
    root.getJsonObject("exchanges").getJsonObject("binance").put("api_key", "simulatorKey0001");

    long reconnects = 0;
    for (int round = 0; round < ROUNDS; round++) {
      StorageVerticle storage = new StorageVerticle();
      String storageId = vertx.deployVerticle(storage, new DeploymentOptions().setConfig(root)).await(30, TimeUnit.SECONDS);
      CollectorVerticle collector = new CollectorVerticle();
      String collectorId = vertx.deployVerticle(collector, new DeploymentOptions().setConfig(root))
          .await(30, TimeUnit.SECONDS);
      long committedBefore = storage.status().getLong("committed");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (storage.status().getLong("committed") - committedBefore < 3000 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      // the gaps of the restart filled (else the last round would leave them to a run that never comes)
      while (pendingTradeGaps(collector.actualPort()) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      // stop while trades flow: the collector first, then the storage, which drains what is queued
      vertx.undeploy(collectorId).await(30, TimeUnit.SECONDS);
      vertx.undeploy(storageId).await(30, TimeUnit.SECONDS);
      JsonObject status = collector.status();
      long published = status.getJsonObject("bus").getLong("published");
      for (Object c : status.getJsonArray("connections")) {
        reconnects += ((JsonObject) c).getLong("reconnects", 0L);
      }
      long committed = storage.status().getLong("committed") - committedBefore;
      assertTrue(published >= 3000, "round " + round + ": the collector published only " + published);
      assertEquals(published, committed, "round " + round + ": every published record is committed");
    }

    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file.toAbsolutePath())) {
      for (String[] in : INSTRUMENTS) {
        // compared by the matches the stored trades carry: an OKX trade may aggregate several
        TrueMatches matches = simulator.trueMatches(in[4], in[2]);
        List<Long> stored = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT trade_id, quantity FROM trade WHERE exchange = ? AND "
            + "market_type = ? AND symbol = ?")) {
          ps.setString(1, in[0]);
          ps.setString(2, in[1]);
          ps.setString(3, in[3]);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              stored.addAll(matches.carried(Long.parseLong(rs.getString(1)), rs.getString(2)));
            }
          }
        }
        Map<Long, Integer> position = new HashMap<>();
        List<Trade> emitted = simulator.trueTrades(in[4], in[2]);
        for (int i = 0; i < emitted.size(); i++) {
          position.put(emitted.get(i).id(), i);
        }
        List<Integer> at = new ArrayList<>();
        for (long id : stored) {
          Integer p = position.get(id);
          assertTrue(p != null, in[4] + " " + in[2] + ": stored trade " + id + " was never emitted");
          at.add(p);
        }
        at.sort(null);
        int holes = 0;
        for (int i = 1; i < at.size(); i++) {
          assertTrue(at.get(i) > at.get(i - 1), in[4] + " " + in[2] + ": a trade is stored twice");
          if (at.get(i) != at.get(i - 1) + 1) {
            holes++;
          }
        }
        assertTrue(stored.size() > 100, in[4] + " " + in[2] + ": only " + stored.size() + " trades stored");
        assertTrue(holes <= reconnects, in[4] + " " + in[2] + ": " + holes + " holes in the trade "
            + "sequence, with " + (ROUNDS - 1) + " restarts and " + reconnects + " reconnects");
      }
    }
  }
}
