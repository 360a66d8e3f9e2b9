package io.marketprism.collector;

import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.collector.feed.OkxProtocol;
import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.platform.bus.EventBusRecordBus;
import io.marketprism.platform.config.ConfigException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OKX serves candles and {@code trades-all} only on {@code /ws/v5/business}: an instrument's klines
 * go over a connection of its own to the {@code business} endpoint, with its trades by default
 * ({@code trade_channel: trades-all}), while its books stay on {@code public}; with
 * {@code trade_channel: trades} its trades stay on {@code public} too.
 */
class OkxBusinessEndpointTest {

  @ParameterizedTest
  @ValueSource(strings = {"trades-all", "trades"})
  void klinesAndTradesAllGoOverTheBusinessConnectionBooksStayOnPublic(String tradeChannel) throws Exception {
    boolean all = "trades-all".equals(tradeChannel);
    String tradeVenue = all ? "business" : "public";
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade", "orderbook"), new JsonObject(), 100,
        so -> { }, ex -> ex.getJsonObject("okx").put("trade_channel", tradeChannel))) {
      AtomicLong klines = new AtomicLong();
      rig.vertx.eventBus().<Buffer>consumer(EventBusRecordBus.STREAM_ADDRESS, m -> {
        JsonObject r = m.body().toJsonObject();
        if ("okx".equals(r.getString("exchange")) && "spot".equals(r.getString("market_type"))
            && "kline".equals(r.getString("data_type")) && "BTC-USDT".equals(r.getString("exchange_symbol"))) {
          klines.incrementAndGet();
        }
      });
      await("OKX spot book", 15_000, () -> rig.books.containsKey("okx|spot|BTC-USDT"));
      await("OKX spot trades", 15_000, () -> rig.trades.containsKey("okx|spot|BTC-USDT"));
      if (all) {
        assertThat(okxSpot(rig, "business").getInteger("channels")).isEqualTo(1); // trades-all
      } else {
        assertThat(okxSpot(rig, "business")).isNull(); // no kline wanted: no business connection
      }

      HttpResponse<String> added = request("POST", rig, "kline");
      assertThat(added.statusCode()).isEqualTo(200);
      assertThat(added.body()).contains("\"data_types\":[\"trade\",\"orderbook\",\"kline\"]");
      // every in-minute candle update that changed gets through (identity: receive time, not open time)
      await("OKX in-minute kline updates", 15_000, () -> klines.get() >= 3);

      JsonObject business = okxSpot(rig, "business");
      assertThat(business.getString("url")).endsWith("/ws/v5/business");
      assertThat(business.getString("state")).isEqualTo("up");
      assertThat(business.getJsonArray("symbols")).containsExactly("BTC-USDT");
      assertThat(business.getInteger("channels")).isEqualTo(all ? 2 : 1); // candle1m (and trades-all)
      long businessMessages = business.getLong("messages");
      await("candle updates on the business connection", 10_000,
          () -> okxSpot(rig, "business").getLong("messages") > businessMessages);
      JsonObject pub = okxSpot(rig, "public");
      assertThat(pub.getString("url")).endsWith("/ws/v5/public");
      assertThat(pub.getInteger("channels")).isEqualTo(all ? 1 : 2); // books (and trades), no candle
      assertThat(pub.getLong("reconnects")).isZero();
      long tradesBefore = rig.trades.get("okx|spot|BTC-USDT").size();
      long venueMessages = okxSpot(rig, tradeVenue).getLong("messages");
      await("OKX trades on " + tradeVenue, 10_000, () -> rig.trades.get("okx|spot|BTC-USDT").size() > tradesBefore
          && okxSpot(rig, tradeVenue).getLong("messages") > venueMessages);
      assertThat(rig.status().getJsonArray("books").stream().map(JsonObject.class::cast)
          .filter(b -> "okx".equals(b.getString("exchange")) && "spot".equals(b.getString("market_type")))
          .map(b -> b.getString("connection")).toList()).containsExactly(pub.getString("id"));

      // dropping the klines leaves public alone, and closes the business connection unless trades-all is on it
      HttpResponse<String> removed = request("DELETE", rig, "kline");
      assertThat(removed.statusCode()).isEqualTo(200);
      assertThat(removed.body()).contains("\"data_types\":[\"trade\",\"orderbook\"]");
      if (all) {
        assertThat(okxSpot(rig, "business").getInteger("channels")).isEqualTo(1);
        assertThat(okxSpot(rig, "business").getLong("reconnects")).isZero();
      } else {
        assertThat(okxSpot(rig, "business")).isNull();
      }
      assertThat(okxSpot(rig, "public").getInteger("channels")).isEqualTo(all ? 1 : 2);
      assertThat(okxSpot(rig, "public").getLong("reconnects")).isZero();
    }
  }

  @Test
  void klinesAndTradesAllNeedTheBusinessEndpointOthersDoNot() {
    JsonObject publicOnly = new JsonObject().put("public", new JsonObject().put("ws", "wss://ws.okx.com:8443/ws/v5/public")
        .put("rest", "https://www.okx.com"));
    assertThat(CollectorOptions.from(okx(publicOnly, null, "orderbook", "ticker")).exchanges().get(Exchange.OKX)
        .endpoints()).containsOnlyKeys("public");
    assertThat(CollectorOptions.from(okx(publicOnly, "trades", "trade", "orderbook")).exchanges().get(Exchange.OKX)
        .endpoints()).containsOnlyKeys("public");
    assertThatThrownBy(() -> CollectorOptions.from(okx(publicOnly, "trades", "trade", "kline")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("exchanges.okx.endpoints.business")
        .hasMessageContaining("kline");
    assertThatThrownBy(() -> CollectorOptions.from(okx(publicOnly, null, "trade", "orderbook")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("exchanges.okx.endpoints.business")
        .hasMessageContaining("(trade)");
    JsonObject both = publicOnly.copy()
        .put("business", new JsonObject().put("ws", "wss://ws.okx.com:8443/ws/v5/business"));
    CollectorOptions.ExchangeOptions okx = CollectorOptions.from(okx(both, null, "trade", "kline")).exchanges()
        .get(Exchange.OKX);
    assertThat(okx.endpoints()).containsOnlyKeys("public", "business");
    // trade gaps of trades-all (on business) are fetched from public's REST host
    assertThat(okx.endpoints().get("business").rest()).isEqualTo("https://www.okx.com");
    assertThat(okx.protocol().tradeHistory(okx.endpoints().get("business"), MarketType.SPOT, "BTC-USDT").available())
        .isTrue();
    JsonObject own = both.copy();
    own.getJsonObject("business").put("rest", "https://aws.okx.com");
    assertThat(CollectorOptions.from(okx(own, null, "trade")).exchanges().get(Exchange.OKX).endpoints().get("business")
        .rest()).isEqualTo("https://aws.okx.com");
  }

  @Test
  void theTradeChannelIsTradesAllByDefaultOrTradesAndNothingElse() {
    JsonObject both = new JsonObject()
        .put("public", new JsonObject().put("ws", "wss://ws.okx.com:8443/ws/v5/public"))
        .put("business", new JsonObject().put("ws", "wss://ws.okx.com:8443/ws/v5/business"));
    OkxProtocol byDefault = (OkxProtocol) CollectorOptions.from(okx(both, null, "trade")).exchanges()
        .get(Exchange.OKX).protocol();
    assertThat(byDefault.tradeChannel()).isEqualTo("trades-all");
    assertThat(byDefault.venue(MarketType.SPOT, "BTC-USDT", DataType.TRADE)).isEqualTo("business");
    assertThat(byDefault.channels("BTC-USDT", MarketType.SPOT, EnumSet.of(DataType.TRADE, DataType.ORDERBOOK)))
        .containsOnlyKeys("trades-all|BTC-USDT", "books|BTC-USDT");
    assertThat(byDefault.subscribe(List.of("trades-all|BTC-USDT"), () -> 1, 50))
        .containsExactly("{\"op\":\"subscribe\",\"args\":[{\"channel\":\"trades-all\",\"instId\":\"BTC-USDT\"}]}");
    OkxProtocol aggregated = (OkxProtocol) CollectorOptions.from(okx(both, "Trades", "trade")).exchanges()
        .get(Exchange.OKX).protocol();
    assertThat(aggregated.venue(MarketType.PERPETUAL, "BTC-USDT-SWAP", DataType.TRADE)).isEqualTo("public");
    assertThat(aggregated.channels("BTC-USDT-SWAP", MarketType.PERPETUAL, EnumSet.of(DataType.TRADE)))
        .containsOnlyKeys("trades|BTC-USDT-SWAP");
    assertThatThrownBy(() -> CollectorOptions.from(okx(both, "aggTrade", "trade")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("exchanges.okx.trade_channel")
        .hasMessageContaining("trades, trades-all").hasMessageContaining("'aggTrade'");
  }

  private static JsonObject okx(JsonObject endpoints, String tradeChannel, String... types) {
    JsonObject okx = new JsonObject().put("endpoints", endpoints)
        .put("market_types", new JsonObject().put("spot", new JsonObject()
            .put("symbols", new JsonArray().add("BTC-USDT")).put("data_types", new JsonArray(List.of(types)))));
    if (tradeChannel != null) {
      okx.put("trade_channel", tradeChannel);
    }
    return new JsonObject().put("exchanges", new JsonObject().put("okx", okx));
  }

  private static JsonObject okxSpot(SimulatedCollector rig, String venue) {
    JsonArray conns;
    try {
      conns = rig.status().getJsonArray("connections");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    List<JsonObject> found = conns.stream().map(JsonObject.class::cast)
        .filter(c -> "okx".equals(c.getString("exchange")) && "spot".equals(c.getString("market_type"))
            && venue.equals(c.getString("venue"))).toList();
    assertThat(found).hasSizeLessThanOrEqualTo(1);
    return found.isEmpty() ? null : found.get(0);
  }

  private static HttpResponse<String> request(String method, SimulatedCollector rig, String type) throws Exception {
    JsonObject body = new JsonObject().put("exchange", "okx").put("market_type", "spot")
        .put("symbols", new JsonArray().add("BTC-USDT")).put("data_types", new JsonArray().add(type));
    return rig.sendAsAdmin(HttpRequest.newBuilder(rig.uri(io.marketprism.collector.subscription.SubscriptionApi.PATH))
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode())));
  }
}
