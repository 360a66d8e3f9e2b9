package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.simulator.model.Venue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class BinanceProtocolTest {

  private static SimulatorOptions options() {
    return new SimulatorOptions().setExchanges(List.of("binance")).setRate(400).setSeed(7).setPingIntervalMs(200);
  }

  @Test
  void spotDiffChainIsContinuousAndRestSnapshotBridgesIt(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, options());
    int port = sim.port(Venue.BINANCE_SPOT);
    try (WsProbe p = WsProbe.connect(vertx, port, "/stream?streams=btcusdt@depth@100ms/btcusdt@trade")) {
      p.send("{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@bookTicker\"],\"id\":1}");
      List<JsonObject> diffs = new ArrayList<>();
      boolean acked = false;
      // 800 ms, and on until the subscription is answered (a loaded machine is slow), 8 s at most
      long start = System.currentTimeMillis();
      for (long now = start; now < start + 8000 && (now < start + 800 || !acked); now = System.currentTimeMillis()) {
        String m = p.next(100);
        if (m == null) {
          continue;
        }
        if (m.equals("{\"result\":null,\"id\":1}")) {
          acked = true;
          continue;
        }
        JsonObject env = new JsonObject(m);
        assertThat(env.fieldNames()).containsExactly("stream", "data");
        if (env.getString("stream").equals("btcusdt@depth@100ms")) {
          diffs.add(env.getJsonObject("data"));
        }
      }
      assertThat(acked).isTrue();
      SimulatorHarness.Response r = SimulatorHarness.get(vertx, port, "/api/v3/depth?symbol=BTCUSDT&limit=1000");
      assertThat(r.status()).isEqualTo(200);
      JsonObject snap = new JsonObject(r.body());
      assertThat(snap.fieldNames()).containsExactly("lastUpdateId", "bids", "asks");
      Thread.sleep(500);
      SimulatorHarness.await(sim.pause());
      Thread.sleep(300);
      String m;
      while ((m = p.next(50)) != null) {
        JsonObject env = new JsonObject(m);
        if (env.getString("stream").equals("btcusdt@depth@100ms")) {
          diffs.add(env.getJsonObject("data"));
        }
      }
      assertThat(diffs).hasSizeGreaterThan(50);
      JsonObject first = diffs.get(0);
      assertThat(first.fieldNames()).containsExactly("e", "E", "s", "U", "u", "b", "a");
      for (int i = 1; i < diffs.size(); i++) {
        assertThat(diffs.get(i).getLong("U")).isEqualTo(diffs.get(i - 1).getLong("u") + 1);
      }
      long last = snap.getLong("lastUpdateId");
      Book book = new Book(snap);
      boolean bridged = false;
      long lastApplied = last;
      for (JsonObject d : diffs) {
        if (d.getLong("u") <= last) {
          continue;
        }
        if (!bridged) {
          assertThat(d.getLong("U")).isLessThanOrEqualTo(last + 1);
          assertThat(d.getLong("u")).isGreaterThanOrEqualTo(last + 1);
          bridged = true;
        }
        book.apply(d);
        lastApplied = d.getLong("u");
      }
      assertThat(bridged).isTrue();
      TrueBook truth = sim.trueBook("binance", "BTCUSDT", 20);
      assertThat(lastApplied).isEqualTo(truth.lastUpdateId());
      assertThat(book.top(true, 20)).isEqualTo(flat(truth.bids()));
      assertThat(book.top(false, 20)).isEqualTo(flat(truth.asks()));
    }
  }

  @Test
  void futuresDiffsChainByPuAndSnapshotBridges(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, options());
    int port = sim.port(Venue.BINANCE_USDM);
    try (WsProbe p = WsProbe.connect(vertx, port, "/ws/btcusdt@depth@100ms")) {
      Thread.sleep(400);
      JsonObject snap = new JsonObject(SimulatorHarness.get(vertx, port, "/fapi/v1/depth?symbol=BTCUSDT&limit=1000").body());
      assertThat(snap.fieldNames()).containsExactly("lastUpdateId", "E", "T", "bids", "asks");
      Thread.sleep(400);
      SimulatorHarness.await(sim.pause());
      Thread.sleep(300);
      List<JsonObject> diffs = new ArrayList<>();
      String m;
      while ((m = p.next(50)) != null) {
        diffs.add(new JsonObject(m));
      }
      assertThat(diffs.get(0).fieldNames()).containsExactly("e", "E", "T", "s", "U", "u", "pu", "b", "a");
      for (int i = 1; i < diffs.size(); i++) {
        assertThat(diffs.get(i).getLong("pu")).isEqualTo(diffs.get(i - 1).getLong("u"));
      }
      long last = snap.getLong("lastUpdateId");
      Book book = new Book(snap);
      boolean bridged = false;
      long lastApplied = last;
      for (JsonObject d : diffs) {
        if (d.getLong("u") < last) {
          continue;
        }
        if (!bridged) {
          assertThat(d.getLong("U")).isLessThanOrEqualTo(last);
          bridged = true;
        }
        book.apply(d);
        lastApplied = d.getLong("u");
      }
      assertThat(bridged).isTrue();
      TrueBook truth = sim.trueBook("binance-usdm", "BTCUSDT", 20);
      assertThat(lastApplied).isEqualTo(truth.lastUpdateId());
      assertThat(book.top(true, 20)).isEqualTo(flat(truth.bids()));
      assertThat(book.top(false, 20)).isEqualTo(flat(truth.asks()));
    }
  }

  @Test
  void futuresStreamsCarryMarkPriceFundingAndTradesAndUnsubscribeStops(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, options().setRate(2000));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.BINANCE_USDM), "/ws")) {
      p.send("{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@markPrice@1s\",\"btcusdt@trade\",\"btcusdt@aggTrade\","
          + "\"btcusdt@kline_1m\",\"btcusdt@bookTicker\",\"btcusdt@forceOrder\"],\"id\":7}");
      assertThat(p.next(2000)).isEqualTo("{\"result\":null,\"id\":7}");
      Map<String, JsonObject> seen = new TreeMap<>();
      // liquidations are the model's rarest event: up to 20 s for all six kinds (it ends as soon as they came)
      long end = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < end && seen.size() < 6) {
        String m = p.next(200);
        if (m != null) {
          JsonObject o = new JsonObject(m);
          seen.putIfAbsent(o.getString("e"), o);
        }
      }
      assertThat(seen.keySet()).contains("markPriceUpdate", "trade", "aggTrade", "kline", "bookTicker", "forceOrder");
      JsonObject mark = seen.get("markPriceUpdate");
      assertThat(mark.fieldNames()).containsExactly("e", "E", "s", "p", "P", "i", "r", "T");
      assertThat(mark.getLong("T") % (8 * 3_600_000L)).isZero();
      assertThat(seen.get("trade").fieldNames()).containsExactly("e", "E", "T", "s", "t", "p", "q", "X", "m");
      assertThat(seen.get("trade").getString("p")).matches("\\d+\\.\\d{2}");
      p.send("{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":8}");
      JsonObject list = p.nextJson(o -> Integer.valueOf(8).equals(o.getValue("id")), 2000);
      assertThat(list.getJsonArray("result")).contains("btcusdt@markPrice@1s", "btcusdt@trade");
      p.send("{\"method\":\"UNSUBSCRIBE\",\"params\":[\"btcusdt@markPrice@1s\",\"btcusdt@trade\",\"btcusdt@aggTrade\","
          + "\"btcusdt@kline_1m\",\"btcusdt@bookTicker\",\"btcusdt@forceOrder\"],\"id\":9}");
      p.nextJson(o -> Integer.valueOf(9).equals(o.getValue("id")), 2000);
      Thread.sleep(100);
      p.messages.clear();
      assertThat(p.next(500)).isNull();
    }
  }

  @Test
  void serverPingsAreAnsweredAndTheConnectionLives(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, options());
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.BINANCE_SPOT), "/ws/btcusdt@trade")) {
      Thread.sleep(1200);
      assertThat(p.pings.get()).isGreaterThanOrEqualTo(3);
      assertThat(p.closed).isFalse();
    }
  }

  @Test
  void restRoutesAnswerLikeBinance(Vertx vertx) {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx, options());
    int port = sim.port(Venue.BINANCE_USDM);
    JsonObject oi = new JsonObject(SimulatorHarness.get(vertx, port, "/fapi/v1/openInterest?symbol=BTCUSDT").body());
    assertThat(oi.fieldNames()).containsExactly("openInterest", "symbol", "time");
    JsonArray ratio = new JsonArray(SimulatorHarness.get(vertx, port,
        "/futures/data/topLongShortPositionRatio?symbol=BTCUSDT&period=5m&limit=3").body());
    assertThat(ratio).hasSize(3);
    assertThat(ratio.getJsonObject(0).fieldNames())
        .containsExactly("symbol", "longShortRatio", "longAccount", "shortAccount", "timestamp");
    assertThat(new JsonArray(SimulatorHarness.get(vertx, port,
        "/futures/data/globalLongShortAccountRatio?symbol=BTCUSDT&period=1h").body())).hasSize(30);
    JsonObject info = new JsonObject(SimulatorHarness.get(vertx, port, "/api/v3/exchangeInfo").body());
    assertThat(info.getJsonArray("symbols").getJsonObject(0).getString("symbol")).isEqualTo("BTCUSDT");
    assertThat(new JsonObject(SimulatorHarness.get(vertx, port, "/fapi/v1/exchangeInfo").body())
        .getString("futuresType")).isEqualTo("U_MARGINED");
    JsonObject coinm = new JsonObject(SimulatorHarness.get(vertx, port, "/dapi/v1/depth?symbol=BTCUSD_PERP&limit=5").body());
    assertThat(coinm.getString("pair")).isEqualTo("BTCUSD");
    assertThat(coinm.getJsonArray("bids")).hasSize(5);
    SimulatorHarness.Response bad = SimulatorHarness.get(vertx, port, "/api/v3/depth?symbol=NOPE");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body()).isEqualTo("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
    JsonObject state = new JsonObject(SimulatorHarness.get(vertx, port, "/sim/state?exchange=binance&symbol=BTCUSDT").body());
    assertThat(state.getJsonArray("instruments")).hasSize(2);
  }

  /** Points a period apart as Binance serves them; with a statistics step (a demo's), that step apart. */
  @Test
  void longShortPointsArePeriodsApartOrTheConfiguredStep(Vertx vertx) {
    for (long step : new long[] {0, 5_000}) {
      SimulatorVerticle sim = SimulatorHarness.deploy(vertx, options().setStatsStepMs(step));
      JsonArray ratio = new JsonArray(SimulatorHarness.get(vertx, sim.port(Venue.BINANCE_USDM),
          "/futures/data/globalLongShortAccountRatio?symbol=BTCUSDT&period=5m&limit=2").body());
      long apart = ratio.getJsonObject(1).getLong("timestamp") - ratio.getJsonObject(0).getLong("timestamp");
      assertThat(apart).as("step " + step).isEqualTo(step == 0 ? 300_000 : step);
      assertThat(ratio.getJsonObject(1).getLong("timestamp") % apart).isZero();
    }
    assertThatThrownBy(() -> options().setStatsStepMs(10)).hasMessageContaining("'statsStep' must be 0 or 1000..");
  }

  static List<String> flat(List<String[]> levels) {
    List<String> out = new ArrayList<>();
    levels.forEach(l -> out.add(l[0] + "@" + l[1]));
    return out;
  }

  /** An independent book rebuilder: decimal keys, quantity "0…" removes. */
  static final class Book {
    final TreeMap<BigDecimal, String[]> bids = new TreeMap<>(Comparator.reverseOrder());
    final TreeMap<BigDecimal, String[]> asks = new TreeMap<>();

    Book(JsonObject snap) {
      load(bids, snap.getJsonArray("bids"));
      load(asks, snap.getJsonArray("asks"));
    }

    private static void load(TreeMap<BigDecimal, String[]> side, JsonArray levels) {
      for (Object o : levels) {
        JsonArray l = (JsonArray) o;
        set(side, l.getString(0), l.getString(1));
      }
    }

    private static void set(TreeMap<BigDecimal, String[]> side, String px, String qty) {
      if (new BigDecimal(qty).signum() == 0) {
        side.remove(new BigDecimal(px));
      } else {
        side.put(new BigDecimal(px), new String[] {px, qty});
      }
    }

    void apply(JsonObject diff) {
      load(bids, diff.getJsonArray("b"));
      load(asks, diff.getJsonArray("a"));
    }

    List<String> top(boolean bid, int n) {
      List<String> out = new ArrayList<>();
      for (String[] l : (bid ? bids : asks).values()) {
        if (out.size() == n) {
          break;
        }
        out.add(l[0] + "@" + l[1]);
      }
      return out;
    }
  }
}
