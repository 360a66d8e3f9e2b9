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

  private static final String MARK = "{\"data_type\":\"mark_price\",\"exchange\":\"okx\",\"market_type\":\"perpetual\","
      + "\"symbol\":\"BTC-USDT\",\"exchange_symbol\":\"BTC-USDT-SWAP\",\"ts_ms\":%d,\"recv_ts_us\":1,"
      + "\"mark_price\":\"61737.123456789012345678\",\"index_price\":\"0.00000001\"}";
  private static final int PAGES = 300;
  /** Reconnection within a test's patience. */
  private static final Reconnect FAST = Reconnect.backoff(java.time.Duration.ofMillis(20),
      java.time.Duration.ofMillis(100));

  /** A book of 2 × 2000 levels: about 100 KB of JSON, one WebSocket frame from the gateway. */
  private static final String BIG_BOOK = bigBook(2000);

  private Vertx vertx;
  private MarketPrismClient client;
  /** Set once a stream was closed with 1001 for "then-refuse": later connections are refused with 401. */
  private final java.util.concurrent.atomic.AtomicBoolean refuseAll = new java.util.concurrent.atomic.AtomicBoolean();
  /** Set once a stream was closed for "then503": later connections are refused with 503. */
  private final java.util.concurrent.atomic.AtomicBoolean unavailable = new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicInteger slowDrops = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
  /** Subscriptions of "mute" so far: the first is closed with 1001, the second never answered, the third served. */
  private final java.util.concurrent.atomic.AtomicInteger mutes = new java.util.concurrent.atomic.AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    // the gateway's WebSocket limits (gateway.stream.max_frame_bytes, default 256 KB): it sends frames that large
    var server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setMaxWebSocketFrameSize(256 * 1024)
        .setMaxWebSocketMessageSize(256 * 1024)).requestHandler(req -> {
      if (req.path().equals("/ws/v1/stream")) {
        connections.incrementAndGet();
        if (unavailable.get()) {
          req.response().setStatusCode(503).end("{\"error\":{\"code\":\"unavailable\",\"message\":\"restarting\"}}");
          return;
        }
        if ("wrong".equals(req.getHeader("X-API-Key")) || refuseAll.get()) {
          req.response().setStatusCode(401).end("{\"error\":{\"code\":\"unauthorized\",\"message\":\"unknown API "
              + "key\",\"request_id\":\"r401\"}}");
          return;
        }
        // as the gateway's LiveStream answers
        req.toWebSocket().onSuccess(ws -> ws.textMessageHandler(t -> {
          JsonObject r = new JsonObject(t);
          String subject = r.getJsonArray("subjects").getString(0);
          if (subject.startsWith("bad")) {
            ws.writeTextMessage("{\"op\":\"error\",\"message\":\"'bad' can never match a record's subject\"}");
          } else if (subject.startsWith("slow")) {
            ws.writeTextMessage("{\"op\":\"subscribed\",\"subjects\":[\"slow\"]}");
            if (slowDrops.getAndIncrement() == 0) { // dropped once: the client catches up after reconnecting
              ws.close((short) 1008, "slow consumer: more than 4194304 bytes waiting for 2000 ms");
            } else {
              ws.writeTextMessage(TRADE.formatted(4, 4, 4));
            }
          } else if (subject.startsWith("closes-")) {
            // as the gateway closes for other reasons: a frame too large, a policy, a stop
            ws.writeTextMessage(new JsonObject().put("op", "subscribed").put("subjects", r.getJsonArray("subjects"))
                .encode());
            String[] how = subject.split("-");
            refuseAll.set(how.length > 2 && how[2].equals("then401"));
            unavailable.set(how.length > 2 && how[2].equals("then503"));
            ws.close(Short.parseShort(how[1]), "closed with " + how[1]);
          } else if (subject.startsWith("silent")) {
            return; // a gateway that went silent on a connection still open: never answers
          } else if (subject.startsWith("mute")) {
            int n = mutes.getAndIncrement();
            if (n == 1) {
              return; // the connection after a stop: the gateway accepts it but never answers
            }
            ws.writeTextMessage(new JsonObject().put("op", "subscribed").put("subjects", r.getJsonArray("subjects"))
                .encode());
            if (n == 0) {
              ws.close((short) 1001, "gateway stopping");
            } else {
              ws.writeTextMessage(TRADE.formatted(5, 5, 5));
            }
          } else if (subject.startsWith("orderbook")) {
            ws.writeTextMessage(new JsonObject().put("op", "subscribed").put("subjects", r.getJsonArray("subjects"))
                .encode());
            ws.writeTextMessage(BIG_BOOK);
          } else if ("unsubscribe".equals(r.getString("op"))) {
            ws.writeTextMessage(new JsonObject().put("op", "unsubscribed").put("subjects", r.getJsonArray("subjects"))
                .encode());
          } else {
            ws.writeTextMessage(new JsonObject().put("op", "subscribed").put("subjects", r.getJsonArray("subjects"))
                .encode());
            ws.writeTextMessage(TRADE.formatted(3, 3, 3));
          }
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
      if (req.path().equals("/api/v1/storage/stats")) {
        req.response().end("{\"hot_engine\":\"duckdb\",\"retention_days\":7,\"tables\":[{\"table\":\"trade\","
            + "\"tier\":\"hot\",\"rows\":3}]}");
        return;
      }
      if (req.path().equals("/api/v1/storage/archive") && req.method().name().equals("POST")) {
        if (!"k".equals(req.getHeader("X-API-Key"))) {
          req.response().setStatusCode(401).end("{\"error\":{\"code\":\"unauthorized\",\"message\":\"this route "
              + "needs role admin\",\"request_id\":\"r\"}}");
          return;
        }
        req.body().onSuccess(b -> req.response().end(new JsonObject().put("asked", b.toJsonObject()).encode()));
        return;
      }
      if (req.path().equals("/api/v1/storage/mark_price")) {
        // a long range: PAGES pages of one record each, the cursor the page number
        int page = req.getParam("cursor") == null ? 0 : Integer.parseInt(req.getParam("cursor"));
        String next = page + 1 < PAGES ? "\"" + (page + 1) + "\"" : "null";
        req.response().end("{\"data\":[" + MARK.formatted(page) + "],\"next_cursor\":" + next + "}");
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
        // the storage's answer (StorageVerticle#klines): the instrument, then its bars
        req.response().end("{\"exchange\":\"binance\",\"market_type\":\"spot\",\"symbol\":\"BTC-USDT\","
            + "\"interval\":\"1m\",\"data\":[{\"open_time_ms\":60000,\"open\":\"61737.63\",\"high\":\"61800.5\","
            + "\"low\":\"61700.000000000000000001\",\"close\":\"61790.1\",\"volume\":\"0.30000000000000000004\","
            + "\"quote_volume\":\"18537.264\",\"trade_count\":2,\"interval\":\"1m\",\"close_time_ms\":119999,"
            + "\"closed\":true}]}");
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
  void forEachPageHandsOverEveryPageInOrderWithoutKeepingThem() throws Exception {
    List<Long> firstOfEach = new CopyOnWriteArrayList<>();
    client.forEachPage(DataType.MARK_PRICE, new Query("okx", "perpetual", "BTC-USDT"),
        page -> firstOfEach.add(page.records().get(0).tsMs())).await(30, TimeUnit.SECONDS);
    assertThat(firstOfEach).hasSize(PAGES);
    assertThat(firstOfEach).isSorted();
  }

  @Test
  void aFailingPageHandlerStopsTheIteration() {
    List<Page> seen = new CopyOnWriteArrayList<>();
    assertThatThrownBy(() -> client.forEachPage(DataType.MARK_PRICE, new Query("okx", "perpetual", "BTC-USDT"), page -> {
      seen.add(page);
      throw new IllegalStateException("disk full");
    }).await(30, TimeUnit.SECONDS)).hasMessageContaining("disk full");
    assertThat(seen).hasSize(1);
  }

  @Test
  void allRecordsFollowsEveryPage() throws Exception {
    List<MarketRecord> all = client.allRecords(DataType.MARK_PRICE, new Query("okx", "perpetual", "BTC-USDT"))
        .await(60, TimeUnit.SECONDS);
    assertThat(all).hasSize(PAGES);
    assertThat(all.get(PAGES - 1).tsMs()).isEqualTo(PAGES - 1);
    // exactly as served: no float rounding of decimals
    assertThat(((io.marketprism.model.MarkPriceRecord) all.get(0)).markPrice()).isEqualTo("61737.123456789012345678");
    assertThat(((io.marketprism.model.MarkPriceRecord) all.get(0)).indexPrice()).isEqualTo("0.00000001");
  }

  @Test
  void statsAndArchive() throws Exception {
    assertThat(client.stats().await(5, TimeUnit.SECONDS).getJsonArray("tables").getJsonObject(0).getLong("rows"))
        .isEqualTo(3);
    assertThatThrownBy(() -> client.archive(86_400_000L).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> assertThat(e.status()).isEqualTo(401));
    JsonObject report = client.apiKey("k").archive(86_400_000L).await(5, TimeUnit.SECONDS);
    assertThat(report.getJsonObject("asked").getLong("before")).isEqualTo(86_400_000L);
  }

  @Test
  void klinesOfAPagedQuerySendItsRangeAlone() throws Exception {
    JsonArray bars = client.klines(new Query("binance", "spot", "BTC-USDT").limit(5).cursor("c1"), "1m")
        .await(5, TimeUnit.SECONDS);
    assertThat(bars).hasSize(1);
  }

  @Test
  void barsAreTypedWithExactDecimals() throws Exception {
    List<Bar> bars = client.bars(new Query("binance", "spot", "BTC-USDT").limit(5), "1m").await(5, TimeUnit.SECONDS);
    assertThat(bars).containsExactly(new Bar("1m", 60_000, 119_999, new java.math.BigDecimal("61737.63"),
        new java.math.BigDecimal("61800.5"), new java.math.BigDecimal("61700.000000000000000001"),
        new java.math.BigDecimal("61790.1"), new java.math.BigDecimal("0.30000000000000000004"),
        new java.math.BigDecimal("18537.264"), 2, true));
    // the JSON form stays for callers that read it
    assertThat(client.klines(new Query("binance", "spot", "BTC-USDT"), "1m").await(5, TimeUnit.SECONDS)
        .getJsonObject(0).getString("low")).isEqualTo("61700.000000000000000001");
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
  void aRequestThatCannotConnectFailsAfterItsTimeout() throws Exception {
    // a listener that never accepts, its backlog filled: further connections hang in SYN_SENT
    try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<java.net.Socket> fillers = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          java.net.Socket f = new java.net.Socket();
          try {
            f.connect(full.getLocalSocketAddress(), 200);
            fillers.add(f);
          } catch (java.io.IOException backlogFull) {
            f.close();
            break;
          }
        }
        MarketPrismClient silent = MarketPrismClient.create(vertx, "http://127.0.0.1:" + full.getLocalPort())
            .timeout(java.time.Duration.ofMillis(500));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> silent.stats().await(20, TimeUnit.SECONDS))
            .isInstanceOfSatisfying(MarketPrismException.class, e -> assertThat(e.code()).isEqualTo("timeout"));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000L);
        silent.close();
      } finally {
        for (java.net.Socket f : fillers) {
          f.close();
        }
      }
    }
  }

  @Test
  void streamDeliversRecordsNotControlFrames() throws Exception {
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("trade.>"), got::add).await(5, TimeUnit.SECONDS);
    awaitSize(got, 1);
    assertThat(got).hasSize(1);
    assertThat(got.get(0).tsMs()).isEqualTo(3);
    stream.close().await(5, TimeUnit.SECONDS);
    assertThat(stream.closed().succeeded()).isTrue();
  }

  @Test
  void streamSubscribesMoreAndUnsubscribesOnTheSameConnection() throws Exception {
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("trade.>"), got::add).await(5, TimeUnit.SECONDS);
    stream.subscribe(List.of("orderbook.okx.*.*")).await(5, TimeUnit.SECONDS);
    stream.unsubscribe(List.of("trade.>")).await(5, TimeUnit.SECONDS);
    awaitSize(got, 2);
    assertThat(got).hasSize(2);
    stream.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void aSubscriptionTheGatewayRefusesFailsWithItsMessage() throws Exception {
    assertThatThrownBy(() -> client.stream(List.of("bad"), r -> { }).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.code()).isEqualTo("stream_error");
          assertThat(e.getMessage()).contains("can never match");
        });
    LiveStream stream = client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stream.subscribe(List.of("bad.x")).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> assertThat(e.code()).isEqualTo("stream_error"));
    stream.close().await(5, TimeUnit.SECONDS);
  }

  /**
   * A subscribe or an unsubscribe the gateway never answers fails after the client's timeout, as
   * every other call does: it waited for ever, and so did {@code stream(...)}.
   */
  @Test
  void aStreamRequestTheGatewayNeverAnswersFailsAfterTheTimeout() throws Exception {
    client.timeout(java.time.Duration.ofMillis(300));
    LiveStream stream = client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stream.subscribe(List.of("silent.x")).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.code()).isEqualTo("timeout");
          assertThat(e.getMessage()).contains("subscribe").contains("300 ms");
        });
    stream.close().await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> client.stream(List.of("silent.y"), r -> { }).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> assertThat(e.code()).isEqualTo("timeout"));
  }

  /**
   * After a loss, a new connection whose resubscription the gateway never answers is given up after
   * the timeout and another made: the stream was left connected to a silent gateway for good, with
   * no record and no gap reported. The gap runs from the first loss.
   */
  @Test
  void aReconnectionWhoseResubscriptionIsNeverAnsweredIsGivenUpForTheNext() throws Exception {
    client.timeout(java.time.Duration.ofMillis(300));
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    List<StreamGap> gaps = new CopyOnWriteArrayList<>();
    long before = System.currentTimeMillis();
    LiveStream stream = client.reconnect(FAST).stream(List.of("mute"), got::add).await(5, TimeUnit.SECONDS)
        .gapHandler(gaps::add);
    awaitSize(gaps, 1);
    assertThat(mutes).hasValue(3);
    assertThat(gaps.get(0).cause().status()).as("the first loss").isEqualTo(1001);
    assertThat(gaps.get(0).lostAtMs()).isBetween(before, before + 1000);
    assertThat(gaps.get(0).restoredAtMs() - gaps.get(0).lostAtMs()).as("the silent connection's time is in the gap")
        .isGreaterThanOrEqualTo(300);
    awaitSize(got, 1);
    assertThat(got).extracting(MarketRecord::tsMs).containsExactly(5L);
    stream.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void withoutReconnectionAStreamDroppedAsASlowClientEndsWithTheCloseStatusAndReason() throws Exception {
    LiveStream stream = client.reconnect(Reconnect.DISABLED).stream(List.of("slow"), r -> { })
        .await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stream.closed().await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isEqualTo(1008);
          assertThat(e.getMessage()).contains("slow consumer");
        });
  }

  @Test
  void aStreamDroppedAsASlowClientReconnectsAndReportsTheGap() throws Exception {
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    List<StreamGap> gaps = new CopyOnWriteArrayList<>();
    LiveStream stream = client.reconnect(FAST)
        .stream(List.of("slow"), got::add).await(5, TimeUnit.SECONDS).gapHandler(gaps::add);
    awaitSize(gaps, 1);
    assertThat(gaps).hasSize(1);
    assertThat(gaps.get(0).cause().status()).isEqualTo(1008);
    assertThat(gaps.get(0).cause().getMessage()).contains("slow consumer");
    awaitSize(got, 1);
    assertThat(got).extracting(MarketRecord::tsMs).containsExactly(4L);
    assertThat(stream.closed().isComplete()).isFalse();
    stream.close().await(5, TimeUnit.SECONDS);
    assertThat(stream.closed().succeeded()).isTrue();
  }

  @Test
  void closesNoReconnectionCuresEndTheStreamWithoutRetrying() throws Exception {
    client.reconnect(FAST);
    for (String how : List.of("closes-1009", "closes-1008", "closes-1002")) {
      int before = connections.get();
      LiveStream stream = client.stream(List.of(how), r -> { }).await(5, TimeUnit.SECONDS);
      assertThatThrownBy(() -> stream.closed().await(5, TimeUnit.SECONDS))
          .isInstanceOfSatisfying(MarketPrismException.class, e -> {
            assertThat(e.status()).isEqualTo(Integer.parseInt(how.substring(7)));
            assertThat(e.getMessage()).contains("closed with");
          });
      assertThat(connections.get() - before).as(how + " is not retried").isEqualTo(1);
    }
  }

  @Test
  void aReconnectionRefusedWithUnauthorizedEndsTheStreamWithThatAnswer() throws Exception {
    LiveStream stream = client.reconnect(FAST)
        .stream(List.of("closes-1001-then401"), r -> { }).await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stream.closed().await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.getMessage()).contains("unknown API key");
        });
    assertThat(connections).hasValue(2);
  }

  @Test
  void aStreamGivesUpAfterItsMaxAttempts() throws Exception {
    LiveStream stream = client.reconnect(FAST.maxAttempts(3)).stream(List.of("closes-1011-then503"), r -> { })
        .await(5, TimeUnit.SECONDS);
    // 503 is worth another attempt, up to the limit
    assertThatThrownBy(() -> stream.closed().await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isEqualTo(503);
          assertThat(e.getMessage()).contains("no connection again after 3 attempts").contains("closed with 1011")
              .contains("restarting");
        });
    assertThat(connections).hasValue(4);
  }

  @Test
  void reconnectDelaysGrowToTheirBoundWithJitter() {
    Reconnect r = Reconnect.backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(1000));
    for (int i = 0; i < 50; i++) {
      assertThat(r.delayMs(1)).isBetween(50L, 100L);
      assertThat(r.delayMs(3)).isBetween(200L, 400L);
      assertThat(r.delayMs(40)).isBetween(500L, 1000L);
    }
    assertThatThrownBy(() -> Reconnect.backoff(java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(1)))
        .hasMessageContaining("maxDelay must be at least initialDelay");
  }

  @Test
  void aStreamConnectionTheGatewayRefusesFailsWithItsStatusAndMessage() {
    assertThatThrownBy(() -> client.apiKey("wrong").stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.getMessage()).contains("unknown API key");
          assertThat(e.requestId()).isEqualTo("r401");
        });
  }

  @Test
  void streamReceivesRecordsLargerThanSixtyFourKilobytes() throws Exception {
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("orderbook.binance.spot.BTC-USDT"), got::add).await(5, TimeUnit.SECONDS);
    assertThat(BIG_BOOK.length()).isGreaterThan(65_536);
    awaitSize(got, 1);
    assertThat(got).hasSize(1);
    assertThat(((io.marketprism.model.OrderBookRecord) got.get(0)).bids()).hasSize(2000);
    assertThat(stream.closed().isComplete()).isFalse();
    stream.close().await(5, TimeUnit.SECONDS);
  }

  private static String bigBook(int levels) {
    JsonArray bids = new JsonArray();
    JsonArray asks = new JsonArray();
    for (int i = 0; i < levels; i++) {
      bids.add(new JsonArray().add("6" + (10000 - i) + ".12").add("0.001"));
      asks.add(new JsonArray().add("6" + (10001 + i) + ".12").add("0.002"));
    }
    return new JsonObject().put("data_type", "orderbook").put("exchange", "binance").put("market_type", "spot")
        .put("symbol", "BTC-USDT").put("exchange_symbol", "BTCUSDT").put("ts_ms", 5).put("recv_ts_us", 5000)
        .put("bids", bids).put("asks", asks).put("depth", levels).put("last_update_id", 42).encode();
  }

  private static void awaitSize(List<?> list, int n) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 5000;
    while (list.size() < n && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
  }
}
