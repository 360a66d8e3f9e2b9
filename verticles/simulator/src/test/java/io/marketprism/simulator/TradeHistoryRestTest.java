package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The past-trade REST endpoints serve the model's trades, field for field as the exchanges do. */
@ExtendWith(VertxExtension.class)
class TradeHistoryRestTest {

  private static SimulatorVerticle start(Vertx vertx, String faults) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions()
        .setExchanges(List.of("binance", "okx", "deribit")).setRate(600).setSeed(11).setFaults(faults));
    long end = System.currentTimeMillis() + 10_000;
    while (sim.trueTrades("binance", "BTCUSDT").size() < 30 || sim.trueTrades("okx", "BTC-USDT").size() < 30
        || sim.trueTrades("deribit", "BTC-PERPETUAL").size() < 30) {
      assertThat(System.currentTimeMillis()).as("trades produced in time").isLessThan(end);
      Thread.sleep(50);
    }
    SimulatorHarness.await(sim.pause());
    return sim;
  }

  @Test
  void binanceHistoricalTradesAndAggTradesPageByFromId(Vertx vertx) throws Exception {
    SimulatorVerticle sim = start(vertx, "none");
    List<Trade> truth = sim.trueTrades("binance", "BTCUSDT");
    long from = truth.get(5).id();
    SimulatorHarness.Response r = SimulatorHarness.get(vertx, sim.port(Venue.BINANCE_SPOT),
        "/api/v3/historicalTrades?symbol=BTCUSDT&fromId=" + from + "&limit=10");
    assertThat(r.status()).isEqualTo(200);
    JsonArray rows = new JsonArray(r.body());
    assertThat(rows).hasSize(10);
    JsonObject first = rows.getJsonObject(0);
    assertThat(first.fieldNames()).containsExactly("id", "price", "qty", "quoteQty", "time", "isBuyerMaker",
        "isBestMatch");
    for (int i = 0; i < 10; i++) {
      Trade t = truth.get(5 + i);
      assertThat(rows.getJsonObject(i).getLong("id")).isEqualTo(t.id());
      assertThat(rows.getJsonObject(i).getLong("time")).isEqualTo(t.ts());
      assertThat(rows.getJsonObject(i).getBoolean("isBuyerMaker")).isEqualTo(!t.takerBuy());
    }

    int usdm = sim.port(Venue.BINANCE_USDM);
    assertThat(SimulatorHarness.get(vertx, usdm, "/fapi/v1/historicalTrades?symbol=BTCUSDT").body())
        .as("futures Old Trades Lookup wants an API key").isEqualTo("{\"code\":-2014,\"msg\":\"API-key format invalid.\"}");
    SimulatorHarness.Response agg = SimulatorHarness.get(vertx, usdm, "/fapi/v1/aggTrades?symbol=BTCUSDT&limit=1000");
    JsonArray aggs = new JsonArray(agg.body());
    assertThat(aggs).isNotEmpty();
    assertThat(aggs.getJsonObject(0).fieldNames()).containsExactly("a", "p", "q", "f", "l", "T", "m");
    long a0 = aggs.getJsonObject(0).getLong("a");
    for (int i = 1; i < aggs.size(); i++) {
      assertThat(aggs.getJsonObject(i).getLong("a")).isEqualTo(a0 + i);
      assertThat(aggs.getJsonObject(i).getLong("f")).isEqualTo(aggs.getJsonObject(i - 1).getLong("l") + 1);
    }
    JsonArray fromSecond = new JsonArray(SimulatorHarness.get(vertx, usdm,
        "/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=" + (a0 + 1) + "&limit=2").body());
    assertThat(fromSecond.getJsonObject(0)).isEqualTo(aggs.getJsonObject(1));
    assertThat(fromSecond).hasSize(2);
  }

  @Test
  void binanceRecentTradesArePublicTheNewestOldestFirstAndRateLimitedLikeTheOtherRoutes(Vertx vertx)
      throws Exception {
    SimulatorVerticle sim = start(vertx, "rest-429:p=0.5:on=binance,rest-418:p=0.1:on=binance");
    int[] rejected = new int[1];
    String[][] routes = {{"binance", "/api/v3/trades"}, {"binance-usdm", "/fapi/v1/trades"}};
    for (String[] route : routes) {
      List<Trade> truth = sim.trueTrades(route[0], "BTCUSDT");
      assertThat(truth).hasSizeGreaterThan(5);
      int port = sim.port("binance".equals(route[0]) ? Venue.BINANCE_SPOT : Venue.BINANCE_USDM);
      JsonArray rows = new JsonArray(answered(vertx, port, route[1] + "?symbol=BTCUSDT&limit=5", rejected).body());
      assertThat(rows).as(route[1]).hasSize(5);
      assertThat(rows.getJsonObject(0).fieldNames()).contains("id", "price", "qty", "quoteQty", "time", "isBuyerMaker");
      for (int i = 0; i < 5; i++) {
        assertThat(rows.getJsonObject(i).getLong("id")).isEqualTo(truth.get(truth.size() - 5 + i).id());
      }
      assertThat(new JsonArray(answered(vertx, port, route[1] + "?symbol=BTCUSDT", rejected).body()))
          .as("500 by default").hasSize(Math.min(500, truth.size()));
    }
    assertThat(rejected[0]).as("rejected answers").isPositive().isEqualTo(
        sim.faultStats().get(io.marketprism.simulator.fault.FaultKind.REST_429)
            + sim.faultStats().get(io.marketprism.simulator.fault.FaultKind.REST_418));
    int coinm = sim.port(Venue.BINANCE_COINM);
    assertThat(answered(vertx, coinm, "/dapi/v1/trades?symbol=NOPE_PERP", rejected).body())
        .isEqualTo("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
  }

  /** The first answer that is no 429 or 418, counting those. */
  private static SimulatorHarness.Response answered(Vertx vertx, int port, String uri, int[] rejected) {
    for (int i = 0; i < 50; i++) {
      SimulatorHarness.Response r = SimulatorHarness.get(vertx, port, uri);
      if (r.status() != 429 && r.status() != 418) {
        return r;
      }
      rejected[0]++;
    }
    throw new AssertionError("no answer to " + uri + " got through the rate-limit faults");
  }

  @Test
  void okxHistoryTradesGoDownFromAfterNewestFirst(Vertx vertx) throws Exception {
    SimulatorVerticle sim = start(vertx, "none");
    List<Trade> truth = sim.trueTrades("okx", "BTC-USDT");
    long after = truth.get(20).id();
    JsonObject body = new JsonObject(SimulatorHarness.get(vertx, sim.port(Venue.OKX),
        "/api/v5/market/history-trades?instId=BTC-USDT&type=1&after=" + after + "&limit=5").body());
    assertThat(body.fieldNames()).containsExactly("code", "msg", "data");
    JsonArray data = body.getJsonArray("data");
    assertThat(data).hasSize(5);
    assertThat(data.getJsonObject(0).fieldNames()).containsExactly("instId", "side", "sz", "px", "tradeId", "ts",
        "source");
    for (int i = 0; i < 5; i++) {
      assertThat(data.getJsonObject(i).getString("tradeId")).isEqualTo(Long.toString(truth.get(19 - i).id()));
    }
    JsonObject bad = new JsonObject(SimulatorHarness.get(vertx, sim.port(Venue.OKX),
        "/api/v5/market/history-trades?instId=NOPE-USDT").body());
    assertThat(bad.getString("code")).isEqualTo("51001");
  }

  @Test
  void okxTradesChannelAggregatesOneTakersMatchesAtOnePriceAndHistoryTradesListsEachMatch(Vertx vertx)
      throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, new SimulatorOptions().setExchanges(List.of("okx"))
        .setRate(600).setSeed(11));
    List<JsonObject> pushes = new java.util.ArrayList<>();
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.OKX), "/ws/v5/public")) {
      p.send("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"}]}");
      long end = System.currentTimeMillis() + 10_000;
      while (pushes.stream().filter(t -> t.getInteger("count") > 1).count() < 5) {
        assertThat(System.currentTimeMillis()).as("aggregated pushes in time").isLessThan(end);
        String m = p.next(200);
        if (m != null && m.startsWith("{\"arg\"")) {
          JsonArray data = new JsonObject(m).getJsonArray("data");
          assertThat(data).hasSize(1);
          pushes.add(data.getJsonObject(0).put("count", Integer.parseInt(data.getJsonObject(0).getString("count"))));
        }
      }
      SimulatorHarness.await(sim.pause());
    }
    Map<Long, Trade> truth = new java.util.HashMap<>();
    sim.trueTrades("okx", "BTC-USDT").forEach(t -> truth.put(t.id(), t));
    var spec = sim.instrument("okx", "BTC-USDT").spec();
    for (int i = 0; i < pushes.size(); i++) {
      JsonObject push = pushes.get(i);
      long last = Long.parseLong(push.getString("tradeId"));
      int count = push.getInteger("count");
      if (i > 0) {
        assertThat(last - count).as("ids consecutive across pushes")
            .isEqualTo(Long.parseLong(pushes.get(i - 1).getString("tradeId")));
      }
      List<Trade> matches = new java.util.ArrayList<>();
      for (long id = last - count + 1; id <= last; id++) {
        matches.add(truth.get(id));
      }
      assertThat(matches).as("matches of push %s", push).doesNotContainNull()
          .allMatch(t -> t.price() == matches.get(0).price() && t.ts() == matches.get(0).ts()
              && t.takerBuy() == matches.get(0).takerBuy());
      assertThat(push.getString("sz")).isEqualTo(spec.qty(Trade.totalQty(matches)));
      assertThat(push.getString("px")).isEqualTo(spec.price(matches.get(0).price()));
    }
    JsonObject aggregate = pushes.stream().filter(t -> t.getInteger("count") > 1).findFirst().orElseThrow();
    long last = Long.parseLong(aggregate.getString("tradeId"));
    int count = aggregate.getInteger("count");
    JsonArray rows = new JsonObject(SimulatorHarness.get(vertx, sim.port(Venue.OKX),
        "/api/v5/market/history-trades?instId=BTC-USDT&type=1&after=" + (last + 1) + "&limit=" + count).body())
        .getJsonArray("data");
    assertThat(rows).hasSize(count);
    for (int i = 0; i < count; i++) {
      Trade t = truth.get(last - i);
      assertThat(rows.getJsonObject(i).getString("tradeId")).as("each match on its own").isEqualTo(Long.toString(t.id()));
      assertThat(rows.getJsonObject(i).getString("sz")).isEqualTo(spec.qty(t.qty()));
    }
  }

  @Test
  void deribitLastTradesByInstrumentPageByTradeSeqAndHonourRateLimitFaults(Vertx vertx) throws Exception {
    SimulatorVerticle sim = start(vertx, "rest-429:p=0.5:on=deribit");
    List<Trade> truth = sim.trueTrades("deribit", "BTC-PERPETUAL");
    long startSeq = truth.get(3).id() - 900_000L;
    String uri = "/api/v2/public/get_last_trades_by_instrument?instrument_name=BTC-PERPETUAL&start_seq=" + startSeq
        + "&end_seq=" + (startSeq + 9) + "&count=4&sorting=asc";
    SimulatorHarness.Response r = null;
    int limited = 0;
    for (int i = 0; i < 20; i++) {
      SimulatorHarness.Response x = SimulatorHarness.get(vertx, sim.port(Venue.DERIBIT), uri);
      if (x.status() == 429) {
        assertThat(x.retryAfter()).isEqualTo("1");
        limited++;
      } else {
        assertThat(x.status()).isEqualTo(200);
        r = x;
      }
    }
    assertThat(limited).as("rate-limited answers").isPositive()
        .isEqualTo(sim.faultStats().get(io.marketprism.simulator.fault.FaultKind.REST_429));
    assertThat(r).as("an answer got through").isNotNull();
    JsonObject result = new JsonObject(r.body()).getJsonObject("result");
    assertThat(result.getBoolean("has_more")).isTrue();
    JsonArray trades = result.getJsonArray("trades");
    assertThat(trades).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(trades.getJsonObject(i).getLong("trade_seq")).isEqualTo(startSeq + i);
      assertThat(trades.getJsonObject(i).getString("trade_id")).isEqualTo(Long.toString(truth.get(3 + i).id()));
    }
  }
}
