package io.marketprism.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.simulator.model.Trade;
import io.marketprism.simulator.model.Venue;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class OkxDeribitProtocolTest {

  @Test
  void okxBooksChecksumsVerifyAndSeqIdsChain(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx,
        new SimulatorOptions().setExchanges(List.of("okx")).setRate(600).setSeed(3));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.OKX), "/ws/v5/public")) {
      p.send("ping");
      assertThat(p.next(2000)).isEqualTo("pong");
      p.send("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\",\"instId\":\"BTC-USDT-SWAP\"}]}");
      JsonObject ack = new JsonObject(p.next(2000));
      assertThat(ack.getString("event")).isEqualTo("subscribe");
      assertThat(ack.getJsonObject("arg")).isEqualTo(new JsonObject("{\"channel\":\"books\",\"instId\":\"BTC-USDT-SWAP\"}"));
      TreeMap<BigDecimal, String[]> bids = new TreeMap<>(Comparator.reverseOrder());
      TreeMap<BigDecimal, String[]> asks = new TreeMap<>();
      long prevSeq = Long.MIN_VALUE;
      int verified = 0;
      long end = System.currentTimeMillis() + 1500;
      while (System.currentTimeMillis() < end) {
        String m = p.next(200);
        if (m == null) {
          continue;
        }
        JsonObject msg = new JsonObject(m);
        JsonObject data = msg.getJsonArray("data").getJsonObject(0);
        if (verified == 0) {
          assertThat(msg.getString("action")).isEqualTo("snapshot");
          assertThat(data.getLong("prevSeqId")).isEqualTo(-1L);
          assertThat(data.getJsonArray("bids")).hasSize(400);
        } else {
          assertThat(msg.getString("action")).isEqualTo("update");
          assertThat(data.getLong("prevSeqId")).isEqualTo(prevSeq);
        }
        prevSeq = data.getLong("seqId");
        apply(bids, data.getJsonArray("bids"));
        apply(asks, data.getJsonArray("asks"));
        assertThat(crc(bids, asks)).isEqualTo(data.getInteger("checksum"));
        verified++;
      }
      assertThat(verified).isGreaterThan(50);
    }
    SimulatorHarness.Response bad = SimulatorHarness.get(vertx, sim.port(Venue.OKX),
        "/api/v5/public/instruments?instType=SWAP");
    assertThat(new JsonObject(bad.body()).getJsonArray("data")).hasSize(2);
  }

  @Test
  void okxRejectsUnknownChannelsAndServesDerivativeChannels(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx,
        new SimulatorOptions().setExchanges(List.of("okx")).setRate(300));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.OKX), "/ws/v5/public")) {
      p.send("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\",\"instId\":\"NOPE-USDT\"}]}");
      JsonObject err = new JsonObject(p.next(2000));
      assertThat(err.getString("event")).isEqualTo("error");
      assertThat(err.getString("code")).isEqualTo("60018");
      p.send("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"funding-rate\",\"instId\":\"BTC-USDT-SWAP\"},"
          + "{\"channel\":\"mark-price\",\"instId\":\"BTC-USDT-SWAP\"},{\"channel\":\"open-interest\",\"instId\":\"BTC-USDT-SWAP\"},"
          + "{\"channel\":\"liquidation-orders\",\"instType\":\"SWAP\"},{\"channel\":\"tickers\",\"instId\":\"BTC-USDT\"},"
          + "{\"channel\":\"candle1m\",\"instId\":\"BTC-USDT\"},{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"}]}");
      java.util.Set<String> channels = new java.util.TreeSet<>();
      long end = System.currentTimeMillis() + 8000;
      while (System.currentTimeMillis() < end && channels.size() < 7) {
        String m = p.next(200);
        if (m != null && m.startsWith("{\"arg\"")) {
          channels.add(new JsonObject(m).getJsonObject("arg").getString("channel"));
        }
      }
      assertThat(channels).contains("funding-rate", "mark-price", "open-interest", "liquidation-orders", "tickers",
          "candle1m", "trades");
    }
  }

  /**
   * {@code trades-all} on {@code /ws/v5/business} (refused on {@code /ws/v5/public}, as OKX does):
   * one match per push, no {@code count}, under its own id; the same matches as the aggregated
   * {@code trades} pushes cover and as {@code history-trades} lists, and {@link TrueMatches} gives
   * each kind of push the matches it carries.
   */
  @Test
  void okxTradesAllServesEveryMatchOnItsOwnOnTheBusinessPathOnly(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx,
        new SimulatorOptions().setExchanges(List.of("okx")).setRate(600).setSeed(5));
    String subAll = "{\"op\":\"subscribe\",\"args\":[{\"channel\":\"trades-all\",\"instId\":\"BTC-USDT\"}]}";
    try (WsProbe pub = WsProbe.connect(vertx, sim.port(Venue.OKX), "/ws/v5/public");
        WsProbe business = WsProbe.connect(vertx, sim.port(Venue.OKX), "/ws/v5/business")) {
      pub.send(subAll);
      JsonObject err = new JsonObject(pub.next(2000));
      assertThat(err.getString("event")).isEqualTo("error");
      assertThat(err.getString("code")).isEqualTo("60018");
      pub.send("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"}]}");
      assertThat(new JsonObject(pub.next(2000)).getString("event")).isEqualTo("subscribe");
      business.send(subAll);
      JsonObject ack = new JsonObject(business.next(2000));
      assertThat(ack.getString("event")).isEqualTo("subscribe");
      assertThat(ack.getJsonObject("arg")).isEqualTo(new JsonObject("{\"channel\":\"trades-all\",\"instId\":\"BTC-USDT\"}"));
      Thread.sleep(2000);
      SimulatorHarness.await(sim.pause());
      Thread.sleep(200);
      List<JsonObject> all = pushes(business);
      List<JsonObject> aggregated = pushes(pub);
      assertThat(all).hasSizeGreaterThan(aggregated.size()).hasSizeGreaterThan(50);
      TreeMap<Long, Trade> truth = new TreeMap<>();
      sim.trueTrades("okx", "BTC-USDT").forEach(t -> truth.put(t.id(), t));
      TrueMatches matches = sim.trueMatches("okx", "BTC-USDT");
      java.util.TreeSet<Long> allIds = new java.util.TreeSet<>();
      long prev = -1;
      for (JsonObject d : all) {
        long id = Long.parseLong(d.getString("tradeId"));
        assertThat(d.containsKey("count")).isFalse();
        assertThat(d.getString("source")).isEqualTo("0");
        if (prev >= 0) {
          assertThat(id).as("consecutive ids").isEqualTo(prev + 1);
        }
        prev = id;
        allIds.add(id);
        Trade t = truth.get(id);
        assertThat(t).as("match %s", id).isNotNull();
        assertThat(d.getString("side")).isEqualTo(t.takerBuy() ? "buy" : "sell");
        assertThat(d.getString("ts")).isEqualTo(Long.toString(t.ts()));
        assertThat(matches.carried(id, d.getString("sz"))).containsExactly(id);
      }
      java.util.TreeSet<Long> covered = new java.util.TreeSet<>();
      boolean severalSeen = false;
      for (JsonObject d : aggregated) {
        long last = Long.parseLong(d.getString("tradeId"));
        int count = Integer.parseInt(d.getString("count"));
        severalSeen |= count > 1;
        List<Long> carried = matches.carried(last, d.getString("sz"));
        assertThat(carried).hasSize(count).endsWith(last);
        covered.addAll(carried);
      }
      assertThat(severalSeen).as("an aggregate of several matches").isTrue();
      // both subscriptions were open over the same matches (ids from the later subscription on)
      long from = Math.max(allIds.first(), covered.first());
      assertThat(allIds.tailSet(from)).isEqualTo(covered.tailSet(from));
      // history-trades lists the same matches with the same fields
      SimulatorHarness.Response page = SimulatorHarness.get(vertx, sim.port(Venue.OKX),
          "/api/v5/market/history-trades?instId=BTC-USDT&type=1&limit=100&after=" + (allIds.last() + 1));
      JsonArray rows = new JsonObject(page.body()).getJsonArray("data");
      java.util.Map<String, JsonObject> pushed = new java.util.HashMap<>();
      all.forEach(d -> pushed.put(d.getString("tradeId"), d));
      int compared = 0;
      for (Object o : rows) {
        JsonObject row = (JsonObject) o;
        JsonObject d = pushed.get(row.getString("tradeId"));
        if (d != null) {
          for (String f : List.of("instId", "px", "sz", "side", "ts", "source")) {
            assertThat(d.getString(f)).as(f).isEqualTo(row.getString(f));
          }
          compared++;
        }
      }
      assertThat(compared).isEqualTo(Math.min(100, allIds.size()));
    }
  }

  private static List<JsonObject> pushes(WsProbe p) throws InterruptedException {
    List<JsonObject> out = new java.util.ArrayList<>();
    for (String m = p.next(100); m != null; m = p.next(100)) {
      if (m.startsWith("{\"arg\"")) {
        JsonArray data = new JsonObject(m).getJsonArray("data");
        assertThat(data).hasSize(1);
        out.add(data.getJsonObject(0));
      }
    }
    return out;
  }

  @Test
  void deribitBookChangeIdsChainAndHeartbeatAsksForTest(Vertx vertx) throws Exception {
    SimulatorVerticle sim = SimulatorHarness.deploy(vertx,
        new SimulatorOptions().setExchanges(List.of("deribit")).setRate(400));
    try (WsProbe p = WsProbe.connect(vertx, sim.port(Venue.DERIBIT), "/ws/api/v2")) {
      p.send("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"public/subscribe\",\"params\":{\"channels\":"
          + "[\"book.BTC-PERPETUAL.raw\",\"trades.BTC-PERPETUAL.raw\",\"ticker.BTC-PERPETUAL.100ms\","
          + "\"deribit_volatility_index.btc_usd\"]}}");
      JsonObject res = p.nextJson(o -> Integer.valueOf(42).equals(o.getValue("id")), 2000);
      assertThat(res.getJsonArray("result")).hasSize(4);
      p.send("{\"jsonrpc\":\"2.0\",\"id\":43,\"method\":\"public/set_heartbeat\",\"params\":{\"interval\":1}}");
      long prev = -1;
      int changes = 0;
      boolean heartbeat = false;
      java.util.Set<String> channels = new java.util.TreeSet<>();
      long end = System.currentTimeMillis() + 3000;
      while (System.currentTimeMillis() < end) {
        String m = p.next(200);
        if (m == null) {
          continue;
        }
        JsonObject o = new JsonObject(m);
        if ("heartbeat".equals(o.getString("method"))) {
          heartbeat = true;
          p.send("{\"jsonrpc\":\"2.0\",\"id\":44,\"method\":\"public/test\",\"params\":{}}");
          continue;
        }
        if (!"subscription".equals(o.getString("method"))) {
          continue;
        }
        String ch = o.getJsonObject("params").getString("channel");
        channels.add(ch);
        if (!ch.startsWith("book.")) {
          continue;
        }
        JsonObject d = o.getJsonObject("params").getJsonObject("data");
        if (prev < 0) {
          assertThat(d.getString("type")).isEqualTo("snapshot");
          assertThat(d.containsKey("prev_change_id")).isFalse();
        } else {
          assertThat(d.getString("type")).isEqualTo("change");
          assertThat(d.getLong("prev_change_id")).isEqualTo(prev);
          changes++;
        }
        prev = d.getLong("change_id");
      }
      assertThat(heartbeat).isTrue();
      assertThat(p.closed).isFalse();
      assertThat(changes).isGreaterThan(20);
      assertThat(channels).contains("trades.BTC-PERPETUAL.raw", "ticker.BTC-PERPETUAL.100ms",
          "deribit_volatility_index.btc_usd");
    }
    JsonObject book = new JsonObject(SimulatorHarness.get(vertx, sim.port(Venue.DERIBIT),
        "/api/v2/public/get_order_book?instrument_name=BTC-PERPETUAL&depth=5").body());
    assertThat(book.getJsonObject("result").getJsonArray("bids")).hasSize(5);
  }

  private static void apply(TreeMap<BigDecimal, String[]> side, JsonArray levels) {
    for (Object o : levels) {
      JsonArray l = (JsonArray) o;
      if (new BigDecimal(l.getString(1)).signum() == 0) {
        side.remove(new BigDecimal(l.getString(0)));
      } else {
        side.put(new BigDecimal(l.getString(0)), new String[] {l.getString(0), l.getString(1)});
      }
    }
  }

  /** Independent OKX checksum: zlib CRC32 of interleaved top-25 original strings, signed. */
  private static int crc(TreeMap<BigDecimal, String[]> bids, TreeMap<BigDecimal, String[]> asks) {
    List<String[]> b = bids.values().stream().limit(25).toList();
    List<String[]> a = asks.values().stream().limit(25).toList();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      if (i < b.size()) {
        sb.append(sb.isEmpty() ? "" : ":").append(b.get(i)[0]).append(':').append(b.get(i)[1]);
      }
      if (i < a.size()) {
        sb.append(sb.isEmpty() ? "" : ":").append(a.get(i)[0]).append(':').append(a.get(i)[1]);
      }
    }
    CRC32 c = new CRC32();
    c.update(sb.toString().getBytes(StandardCharsets.UTF_8));
    return (int) c.getValue();
  }
}
