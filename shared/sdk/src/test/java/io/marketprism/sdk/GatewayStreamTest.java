package io.marketprism.sdk;

import io.marketprism.gateway.GatewayVerticle;
import io.marketprism.platform.auth.ApiKey;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.RecordJson;
import io.marketprism.platform.Platform;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.NatsServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SDK against a real gateway (its live stream fed by an in-process bus): restarts and auth. */
class GatewayStreamTest {

  private static final String READER_KEY = "reader-key-51b2e0";
  private static final String TRADE = "{\"data_type\":\"trade\",\"exchange\":\"%s\",\"market_type\":\"spot\","
      + "\"symbol\":\"BTC-USDT\",\"exchange_symbol\":\"BTCUSDT\",\"ts_ms\":%d,\"recv_ts_us\":1000,"
      + "\"trade_id\":\"%d\",\"price\":\"61737.63\",\"quantity\":\"0.001\",\"side\":\"buy\"}";

  private final Vertx vertx = Vertx.vertx();
  private JsonObject config;
  private int port;
  private String gatewayId;
  private LoopGateway gateway;
  private RecordBus bus;
  private MarketPrismClient client;
  private NatsServer nats;

  @AfterEach
  void tearDown() throws Exception {
    if (client != null) {
      client.close();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
    if (nats != null) {
      nats.close();
    }
  }

  /** A gateway on a free fixed port (so that it can come back on it), with {@code auth} as its auth section. */
  private void startGateway(JsonObject auth) throws Exception {
    startGateway(auth, new JsonObject());
  }

  /** The same with {@code bus} as the bus section (and the test's publisher on that bus). */
  private void startGateway(JsonObject auth, JsonObject bus) throws Exception {
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    JsonObject gateway = new JsonObject().put("host", "127.0.0.1").put("port", port)
        .put("rate_limits", new JsonObject().put("enabled", false)).put("auth", auth);
    config = new JsonObject().put("gateway", gateway).put("bus", bus);
    for (String s : new String[] {"storage", "collector", "scheduler", "monitoring", "broker", "simulator"}) {
      config.put(s, new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0)));
    }
    Platform.of(vertx, config);
    deployGateway();
    this.bus = RecordBus.create(vertx, BusOptions.from(config));
    this.bus.start().await(5, TimeUnit.SECONDS);
    client = MarketPrismClient.create(vertx, "http://127.0.0.1:" + port).timeout(Duration.ofSeconds(2));
  }

  private void deployGateway() throws Exception {
    gateway = new LoopGateway();
    gatewayId = vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config))
        .await(20, TimeUnit.SECONDS);
  }

  /** A gateway verticle whose context a test can keep busy, as a gateway far behind its bus is. */
  private static final class LoopGateway extends GatewayVerticle {
    io.vertx.core.Context loop() {
      return context;
    }
  }

  private static JsonObject openAuth() {
    return new JsonObject().put("jwt", new JsonObject().put("secret", "test-secret-0123456789abcdef"));
  }

  private static JsonObject authRequired() {
    return new JsonObject().put("require_for_reads", true)
        .put("jwt", new JsonObject().put("secret", "test-secret-0123456789abcdef").put("ttl_seconds", 600))
        .put("api_keys", new JsonArray().add(new JsonObject().put("name", "reader")
            .put("sha256", ApiKey.sha256Hex(READER_KEY)).put("roles", new JsonArray().add("reader"))));
  }

  private void publish(String exchange, long ts) {
    bus.publish(RecordJson.parse(TRADE.formatted(exchange, ts, ts)));
  }

  @Test
  void aStreamReconnectsAfterTheGatewayRestartsResubscribesAndReportsTheGap() throws Exception {
    startGateway(openAuth());
    client.reconnect(Reconnect.backoff(Duration.ofMillis(50), Duration.ofMillis(400)));
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    List<StreamGap> gaps = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("trade.binance.>"), got::add).await(5, TimeUnit.SECONDS)
        .gapHandler(gaps::add);
    // a pattern added later is resubscribed too, one removed is not
    stream.subscribe(List.of("trade.okx.>", "trade.deribit.*.ETH-USDT")).await(5, TimeUnit.SECONDS);
    stream.unsubscribe(List.of("trade.deribit.*.ETH-USDT")).await(5, TimeUnit.SECONDS);
    publish("binance", 1);
    awaitTrue(() -> got.size() == 1);

    vertx.undeploy(gatewayId).await(10, TimeUnit.SECONDS);
    awaitTrue(() -> !stream.connected());
    publish("binance", 2); // while no gateway is there: the gap
    // asked while disconnected: sent once connected again
    Future<Void> later = stream.subscribe(List.of("trade.deribit.>"));
    assertThat(later.isComplete()).isFalse();
    deployGateway();

    awaitTrue(() -> gaps.size() == 1);
    StreamGap gap = gaps.get(0);
    // 1001 "gateway stopping": the stream closes its clients before the HTTP server shuts down
    assertThat(gap.cause().status()).isEqualTo(1001);
    assertThat(gap.lostAtMs()).isPositive().isLessThanOrEqualTo(gap.restoredAtMs());
    assertThat(gap.attempts()).isPositive();
    assertThat(stream.closed().isComplete()).isFalse();
    later.await(5, TimeUnit.SECONDS);
    assertThat(stream.subjects()).containsExactly("trade.binance.>", "trade.okx.>", "trade.deribit.>");

    publish("deribit", 3);
    publish("okx", 4);
    publish("binance", 5);
    awaitTrue(() -> got.size() == 4);
    assertThat(got).extracting(MarketRecord::tsMs).containsExactly(1L, 3L, 4L, 5L);
    stream.close().await(5, TimeUnit.SECONDS);
    assertThat(stream.closed().succeeded()).isTrue();
  }

  @Test
  void closingTheClientStopsItsStreamsReconnecting() throws Exception {
    startGateway(openAuth());
    client.reconnect(Reconnect.backoff(Duration.ofMillis(20), Duration.ofMillis(50)));
    LiveStream stream = client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS);
    vertx.undeploy(gatewayId).await(10, TimeUnit.SECONDS);
    awaitTrue(() -> !stream.connected());
    client.close();
    stream.closed().await(5, TimeUnit.SECONDS);
    assertThat(stream.closed().succeeded()).isTrue();
  }

  @Test
  void withoutReconnectionAStreamEndsWhenTheGatewayStops() throws Exception {
    startGateway(openAuth());
    client.reconnect(Reconnect.DISABLED);
    LiveStream stream = client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS);
    vertx.undeploy(gatewayId).await(10, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stream.closed().await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> assertThat(e.status()).isEqualTo(1001));
  }

  @Test
  void aRefusedTokenIsRefreshedOnceForTheStreamAndForRequests() throws Exception {
    startGateway(authRequired());
    TokenProvider real = client.tokensFromApiKey(READER_KEY, Duration.ofSeconds(60));
    AtomicInteger refreshes = new AtomicInteger();
    // a cached token the gateway no longer takes (signed with another secret, as one of a rotated key)
    String stale = forgedToken();
    client.bearer(refresh -> {
      if (refresh) {
        refreshes.incrementAndGet();
        return real.token(true);
      }
      return refreshes.get() == 0 ? Future.succeededFuture(stale) : real.token(false);
    });

    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("trade.>"), got::add).await(5, TimeUnit.SECONDS);
    assertThat(refreshes).hasValue(1);
    publish("binance", 1);
    awaitTrue(() -> got.size() == 1);
    stream.close().await(5, TimeUnit.SECONDS);

    // a request: its 401 is answered by one more try with a fresh token (past auth: no storage is running)
    refreshes.set(0);
    assertThatThrownBy(() -> client.stats().await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> assertThat(e.status()).isEqualTo(503));
    assertThat(refreshes).hasValue(1);
  }

  @Test
  void aTokenTheGatewayKeepsRefusingFailsAfterOneRefresh() throws Exception {
    startGateway(authRequired());
    AtomicInteger asked = new AtomicInteger();
    String forged = forgedToken();
    client.bearer(refresh -> {
      asked.incrementAndGet();
      return Future.succeededFuture(refresh ? forged + "x" : forged);
    });
    assertThatThrownBy(() -> client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.getMessage()).contains("invalid or expired token");
        });
    assertThat(asked).hasValue(2);
  }

  @Test
  void tokensFromAnApiKeyAreExchangedOnceAndKept() throws Exception {
    startGateway(authRequired());
    TokenProvider tokens = client.tokensFromApiKey(READER_KEY, null);
    String first = tokens.token(false).await(5, TimeUnit.SECONDS);
    assertThat(tokens.token(false).await(5, TimeUnit.SECONDS)).isSameAs(first);
    client.bearer(tokens);
    client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS).close().await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> client.tokensFromApiKey("not-a-key", null).token(false).await(5, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  /**
   * The gateway ends a stream at its token's exp (4401): one opened with renewable tokens
   * connects again with a fresh one and reports the gap; it ended for good, as a policy close.
   */
  @Test
  void aStreamWhoseTokenExpiresReconnectsWithAFreshTokenAndReportsTheGap() throws Exception {
    startGateway(authRequired());
    client.reconnect(Reconnect.backoff(Duration.ofMillis(50), Duration.ofMillis(400)));
    client.bearer(client.tokensFromApiKey(READER_KEY, Duration.ofSeconds(3)));
    List<MarketRecord> got = new CopyOnWriteArrayList<>();
    List<StreamGap> gaps = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("trade.>"), got::add).await(5, TimeUnit.SECONDS).gapHandler(gaps::add);

    awaitTrue(() -> gaps.size() == 1);
    assertThat(gaps.get(0).cause().status()).isEqualTo(LiveStream.TOKEN_EXPIRED);
    assertThat(gaps.get(0).cause().code()).isEqualTo("unauthorized");
    assertThat(stream.closed().isComplete()).isFalse();
    publish("binance", 1);
    awaitTrue(() -> got.size() == 1);
  }

  /** A token that cannot be renewed: the stream ends with the gateway's 401 after one attempt, no loop. */
  @Test
  void aStreamWhoseFixedTokenExpiresEndsAsUnauthorized() throws Exception {
    startGateway(authRequired());
    client.reconnect(Reconnect.backoff(Duration.ofMillis(50), Duration.ofMillis(400)));
    String token = client.tokensFromApiKey(READER_KEY, Duration.ofSeconds(3)).token(false).await(5, TimeUnit.SECONDS);
    AtomicInteger asked = new AtomicInteger();
    client.bearer(refresh -> {
      asked.incrementAndGet();
      return Future.succeededFuture(token);
    });
    LiveStream stream = client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> stream.closed().await(10, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(MarketPrismException.class, e -> {
          assertThat(e.status()).isEqualTo(401);
          assertThat(e.code()).isEqualTo("unauthorized");
        });
    // the first connection, then one attempt with the token and once more with a refreshed one
    assertThat(asked).hasValue(3);
  }

  /**
   * The gateway's NATS connection going down left a stream silent, and told of nothing: its
   * records of that time are missing all the same. The gateway's notice that it is back is told
   * as a gap, from when it went to when it came back.
   */
  @Test
  void anOutageOfTheGatewaysBusIsToldAsAGap() throws Exception {
    nats = NatsServer.start();
    startGateway(openAuth(), new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
        .put("connect_timeout_ms", 500).put("reconnect_wait_ms", 50)));
    List<StreamGap> gaps = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("trade.>"), r -> { }).await(5, TimeUnit.SECONDS)
        .gapHandler(gaps::add);
    long beforeStop = System.currentTimeMillis();
    nats.stop();
    Thread.sleep(300);
    nats.restart();

    awaitTrue(() -> gaps.size() == 1);
    StreamGap gap = gaps.get(0);
    assertThat(gap.cause().code()).isEqualTo("bus_down");
    assertThat(gap.lostAtMs()).isGreaterThanOrEqualTo(beforeStop).isLessThanOrEqualTo(gap.restoredAtMs());
    assertThat(gap.restoredAtMs()).isGreaterThanOrEqualTo(gap.lostAtMs() + 250);
    assertThat(gap.attempts()).isZero();
    assertThat(stream.connected()).as("the stream itself stayed up").isTrue();
  }

  /**
   * A gateway whose event loop falls behind its bus by more than {@code
   * bus.eventbus.live_max_pending_bytes} drops records for its clients and, once caught up, says
   * so: the stream tells it as a gap from the first drop to the last, cause {@code gateway_behind}.
   * The records were missing all the same, and nothing was told.
   */
  @Test
  void recordsTheGatewayDroppedWhileBehindItsBusAreToldAsAGap() throws Exception {
    startGateway(openAuth(), new JsonObject().put("eventbus", new JsonObject().put("live_max_pending_bytes", 1 << 20)));
    AtomicInteger got = new AtomicInteger();
    List<StreamGap> gaps = new CopyOnWriteArrayList<>();
    LiveStream stream = client.stream(List.of("trade.>"), r -> got.incrementAndGet()).await(5, TimeUnit.SECONDS)
        .gapHandler(gaps::add);
    int sent = 10_000; // 2.5 MB over a 1 MiB bound
    java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    gateway.loop().runOnContext(v -> {
      stuck.countDown();
      try {
        release.await(60, TimeUnit.SECONDS); // the gateway's event loop is busy elsewhere
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    long before = System.currentTimeMillis();
    try {
      assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < sent; i++) {
        bus.publish("trade.binance.spot.BTC-USDT", "t" + i, TRADE.formatted("binance", i, i).getBytes(UTF_8));
      }
      Thread.sleep(500); // the bus hands them to the gateway's subscription, which holds or drops each
    } finally {
      release.countDown();
    }
    long after = System.currentTimeMillis();

    awaitTrue(() -> gaps.size() == 1);
    StreamGap gap = gaps.get(0);
    assertThat(gap.cause().code()).isEqualTo("gateway_behind");
    assertThat(gap.cause().status()).isZero();
    assertThat(gap.lostAtMs()).isBetween(before, after);
    assertThat(gap.restoredAtMs()).isBetween(gap.lostAtMs(), after);
    assertThat(gap.attempts()).isZero();
    java.util.regex.Matcher n = java.util.regex.Pattern.compile("dropped (\\d+) records").matcher(gap.cause().getMessage());
    assertThat(n.find()).as(gap.cause().getMessage()).isTrue();
    long dropped = Long.parseLong(n.group(1));
    awaitTrue(() -> got.get() + dropped == sent);
    assertThat(dropped).isGreaterThanOrEqualTo(sent - (1 << 20) / TRADE.length());
    assertThat(stream.connected()).as("the stream itself stayed up").isTrue();
  }

  /** A well-formed HS256 token the gateway refuses: signed with another secret. */
  private String forgedToken() {
    return io.vertx.ext.auth.jwt.JWTAuth.create(vertx, new io.vertx.ext.auth.jwt.JWTAuthOptions()
            .addPubSecKey(new io.vertx.ext.auth.PubSecKeyOptions().setAlgorithm("HS256")
                .setBuffer("another-secret-0123456789abcdef")))
        .generateToken(new JsonObject().put("sub", "reader").put("roles", new JsonArray().add("reader")),
            new io.vertx.ext.auth.JWTOptions().setIssuer("marketprism"));
  }

  private static void awaitTrue(BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!cond.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(cond.getAsBoolean()).isTrue();
  }
}
