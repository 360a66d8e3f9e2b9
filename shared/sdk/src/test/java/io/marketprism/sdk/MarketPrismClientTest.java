package io.marketprism.sdk;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.TradeRecord;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client against a server that answers with the API's documented shapes (CONTRACT §3, §5). */
class MarketPrismClientTest {

  private static final String TRADE = "{\"data_type\":\"trade\",\"exchange\":\"binance\",\"market_type\":\"spot\","
      + "\"symbol\":\"BTC-USDT\",\"exchange_symbol\":\"BTCUSDT\",\"ts_ms\":%d,\"recv_ts_us\":%d000,"
      + "\"trade_id\":\"%d\",\"price\":\"61737.63\",\"quantity\":\"0.001\",\"side\":\"buy\"}";

  private Vertx vertx;
  private MarketPrismClient client;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    var server = vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/ws/v1/stream")) {
        req.toWebSocket().onSuccess(ws -> ws.textMessageHandler(t -> {
          ws.writeTextMessage("{\"op\":\"subscribed\",\"subjects\":[\"trade.>\"]}");
          ws.writeTextMessage(TRADE.formatted(3, 3, 3));
        }));
        return;
      }
      if (req.path().equals("/api/v1/storage/latest/trade")) {
        return; // a server that went silent: never answers
      }
      if (req.path().equals("/api/v1/storage/trade")) {
        if (!"BTC-USDT".equals(req.getParam("symbol"))) {
          req.response().setStatusCode(400).end("{\"error\":{\"code\":\"bad_request\",\"message\":\"unknown symbol\",\"request_id\":\"r\"}}");
          return;
        }
        boolean second = "c1".equals(req.getParam("cursor"));
        JsonArray data = new JsonArray().add(new JsonObject(TRADE.formatted(second ? 2 : 1, 1, second ? 2 : 1)));
        req.response().end(new JsonObject().put("data", data).put("next_cursor", second ? null : "c1").encode());
        return;
      }
      if (req.path().equals("/api/v1/storage/funding_rate")) {
        // as the gateway refuses a client over its rate limit
        req.response().setStatusCode(429).putHeader("Retry-After", "7").putHeader("X-Request-Id", "r429")
            .end("{\"error\":{\"code\":\"rate_limited\",\"message\":\"rate limit of the default class exceeded\","
                + "\"request_id\":\"r429\"}}");
        return;
      }
      if (req.path().equals("/api/v1/storage/ticker")) {
        // filters are optional: an empty one would be refused as not a normalized symbol
        if (req.params().contains("symbol") || req.params().contains("market_type")) {
          req.response().setStatusCode(400).end("{\"error\":{\"code\":\"bad_request\",\"message\":\"symbol '' "
              + "is not a normalized symbol\",\"request_id\":\"r\"}}");
          return;
        }
        req.response().end("{\"data\":[],\"next_cursor\":null}");
        return;
      }
      if (req.path().equals("/api/v1/storage/kline")) {
        // as the storage answers: klines take the range alone, no paging
        if (req.getParam("limit") != null || req.getParam("cursor") != null) {
          req.response().setStatusCode(400).end("{\"error\":{\"code\":\"bad_request\",\"message\":\"kline takes no "
              + "limit\",\"request_id\":\"r\"}}");
          return;
        }
        req.response().end("{\"data\":[{\"open_time_ms\":60000,\"open\":\"1\",\"high\":\"2\",\"low\":\"1\","
            + "\"close\":\"2\",\"volume\":\"3\",\"quote_volume\":\"5\",\"trade_count\":2}]}");
        return;
      }
      req.response().setStatusCode(404).end("{\"error\":{\"code\":\"not_found\",\"message\":\"nope\",\"request_id\":\"r\"}}");
    }).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    client = MarketPrismClient.create(vertx, "http://127.0.0.1:" + server.actualPort());
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void followsCursorsAcrossPages() throws Exception {
    List<MarketRecord> all = client.allRecords(DataType.TRADE, new Query("binance", "spot", "BTC-USDT").limit(1))
        .await(5, TimeUnit.SECONDS);
    assertThat(all).hasSize(2);
    assertThat(((TradeRecord) all.get(1)).tradeId()).isEqualTo("2");
  }

  @Test
  void aQueryLeavesOutTheFiltersItDoesNotSet() throws Exception {
    Page page = client.records(DataType.TICKER, new Query("binance", null, null)).await(5, TimeUnit.SECONDS);
    assertThat(page.records()).isEmpty();
    assertThat(page.nextCursor()).isNull();
  }

  @Test
  void klinesOfAPagedQuerySendItsRangeAlone() throws Exception {
    JsonArray bars = client.klines(new Query("binance", "spot", "BTC-USDT").limit(5).cursor("c1"), "1m")
        .await(5, TimeUnit.SECONDS);
    assertThat(bars).hasSize(1);
  }

  @Test
  void apiErrorsBecomeExceptionsWithStatusAndCode() {
    assertThatThrownBy(() -> client.records(DataType.TRADE, new Query("binance", "spot", "NOPE")).await(5, TimeUnit.SECONDS))
        .isInstanceOf(MarketPrismException.class).hasMessageContaining("400 bad_request: unknown symbol");
  }

  @Test
  void aRateLimitedRequestSaysWhenToRetry() {
    assertThatThrownBy(() -> client.records(DataType.FUNDING_RATE, new Query("okx", "perpetual", "BTC-USDT"))
        .await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isEqualTo(429);
          assertThat(e.code()).isEqualTo("rate_limited");
          assertThat(e.getMessage()).contains("rate limit of the default class exceeded");
          assertThat(e.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(7));
          assertThat(e.requestId()).isEqualTo("r429");
        });
  }

  @Test
  void aRequestThatGetsNoAnswerFailsAfterItsTimeout() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> client.timeout(java.time.Duration.ofMillis(300))
        .latest(DataType.TRADE, "binance", "spot", "BTC-USDT").await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isZero();
          assertThat(e.code()).isEqualTo("timeout");
        });
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 5_000L);
  }

  @Test
  void streamDeliversRecordsNotControlFrames() throws Exception {
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    client.stream(List.of("trade.>"), got::add).await(5, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 5000;
    while (got.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(got).hasSize(1);
    assertThat(got.get(0).tsMs()).isEqualTo(3);
  }
}
