package io.marketprism.collector;

import static io.marketprism.collector.SimulatedCollector.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.model.Exchange;
import io.marketprism.platform.bus.EventBusRecordBus;
import io.marketprism.platform.config.ConfigException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * OKX serves candles only on {@code /ws/v5/business}: an instrument's klines go over a connection
 * of its own to the {@code business} endpoint while its books and trades stay on {@code public}.
 */
class OkxBusinessEndpointTest {

  @Test
  void klinesGoOverTheBusinessConnectionBooksAndTradesStayOnPublic() throws Exception {
    try (SimulatedCollector rig = new SimulatedCollector("", List.of("trade", "orderbook"), new JsonObject(), 100)) {
      AtomicLong klines = new AtomicLong();
      rig.vertx.eventBus().<Buffer>consumer(EventBusRecordBus.STREAM_ADDRESS, m -> {
        JsonObject r = m.body().toJsonObject();
        if ("okx".equals(r.getString("exchange")) && "spot".equals(r.getString("market_type"))
            && "kline".equals(r.getString("data_type")) && "BTC-USDT".equals(r.getString("exchange_symbol"))) {
          klines.incrementAndGet();
        }
      });
      await("OKX spot book", 15_000, () -> rig.books.containsKey("okx|spot|BTC-USDT"));
      assertThat(okxSpot(rig, "business")).isNull(); // no kline wanted: no business connection

      HttpResponse<String> added = request("POST", rig, "kline");
      assertThat(added.statusCode()).isEqualTo(200);
      assertThat(added.body()).contains("\"data_types\":[\"trade\",\"orderbook\",\"kline\"]");
      // every in-minute candle update that changed gets through (identity: receive time, not open time)
      await("OKX in-minute kline updates", 15_000, () -> klines.get() >= 3);

      JsonObject business = okxSpot(rig, "business");
      assertThat(business.getString("url")).endsWith("/ws/v5/business");
      assertThat(business.getString("state")).isEqualTo("up");
      assertThat(business.getJsonArray("symbols")).containsExactly("BTC-USDT");
      assertThat(business.getInteger("channels")).isEqualTo(1); // candle1m only
      long businessMessages = business.getLong("messages");
      await("candle updates on the business connection", 10_000,
          () -> okxSpot(rig, "business").getLong("messages") > businessMessages);
      JsonObject pub = okxSpot(rig, "public");
      assertThat(pub.getString("url")).endsWith("/ws/v5/public");
      assertThat(pub.getInteger("channels")).isEqualTo(2); // trades and books, no candle
      assertThat(pub.getLong("reconnects")).isZero();
      long tradesBefore = rig.trades.get("okx|spot|BTC-USDT").size();
      await("OKX trades on public", 10_000, () -> rig.trades.get("okx|spot|BTC-USDT").size() > tradesBefore);
      assertThat(rig.status().getJsonArray("books").stream().map(JsonObject.class::cast)
          .filter(b -> "okx".equals(b.getString("exchange")) && "spot".equals(b.getString("market_type")))
          .map(b -> b.getString("connection")).toList()).containsExactly(pub.getString("id"));

      // dropping the klines closes the business connection and leaves public alone
      HttpResponse<String> removed = request("DELETE", rig, "kline");
      assertThat(removed.statusCode()).isEqualTo(200);
      assertThat(removed.body()).contains("\"data_types\":[\"trade\",\"orderbook\"]");
      assertThat(okxSpot(rig, "business")).isNull();
      assertThat(okxSpot(rig, "public").getInteger("channels")).isEqualTo(2);
      assertThat(okxSpot(rig, "public").getLong("reconnects")).isZero();
    }
  }

  @Test
  void klinesNeedTheBusinessEndpointOthersDoNot() {
    JsonObject publicOnly = new JsonObject().put("public", new JsonObject().put("ws", "wss://ws.okx.com:8443/ws/v5/public"));
    assertThat(CollectorOptions.from(okx(publicOnly, "trade", "orderbook")).exchanges().get(Exchange.OKX).endpoints())
        .containsOnlyKeys("public");
    assertThatThrownBy(() -> CollectorOptions.from(okx(publicOnly, "trade", "kline")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("exchanges.okx.endpoints.business")
        .hasMessageContaining("kline");
    JsonObject both = publicOnly.copy()
        .put("business", new JsonObject().put("ws", "wss://ws.okx.com:8443/ws/v5/business"));
    assertThat(CollectorOptions.from(okx(both, "trade", "kline")).exchanges().get(Exchange.OKX).endpoints())
        .containsOnlyKeys("public", "business");
  }

  private static JsonObject okx(JsonObject endpoints, String... types) {
    return new JsonObject().put("exchanges", new JsonObject().put("okx", new JsonObject().put("endpoints", endpoints)
        .put("market_types", new JsonObject().put("spot", new JsonObject()
            .put("symbols", new JsonArray().add("BTC-USDT")).put("data_types", new JsonArray(List.of(types)))))));
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
    return rig.send(HttpRequest.newBuilder(rig.uri(io.marketprism.collector.subscription.SubscriptionApi.PATH))
        .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.encode())));
  }
}
