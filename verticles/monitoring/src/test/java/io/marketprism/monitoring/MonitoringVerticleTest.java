package io.marketprism.monitoring;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.LongShortRatioRecord;
import io.marketprism.model.MarketType;
import io.marketprism.platform.Platform;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.config.ConfigException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MonitoringVerticleTest {

  private Vertx vertx;
  private WebClient client;
  private final AtomicBoolean healthy = new AtomicBoolean(false);

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    var server = vertx.createHttpServer().requestHandler(req -> req.response()
        .setStatusCode(healthy.get() ? 200 : 503).end(new JsonObject().put("status", healthy.get() ? "UP" : "DOWN").encode()))
        .listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    Platform.of(vertx, new JsonObject()).registry().publishHttp("storage", "127.0.0.1", server.actualPort(), null)
        .await(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private JsonObject config() {
    return new JsonObject().put("monitoring", new JsonObject()
        .put("poll_interval_ms", 100)
        .put("alerts", new JsonObject()
            .put("down", new JsonObject().put("kind", "instance_down").put("for_ms", 0).put("severity", "critical"))
            .put("no_collector", new JsonObject().put("kind", "service_missing").put("service", "collector").put("for_ms", 0))
            .put("stale_trades", new JsonObject().put("kind", "stale_stream").put("subject", "trade.>").put("max_age_ms", 300).put("for_ms", 0))));
  }

  private JsonObject get(int port, String path) throws Exception {
    return client.get(port, "127.0.0.1", path).send().await(5, TimeUnit.SECONDS).bodyAsJsonObject();
  }

  @Test
  void firesAndResolvesAlertsAndShowsTheOverview() throws Exception {
    MonitoringVerticle m = new MonitoringVerticle();
    vertx.deployVerticle(m, new DeploymentOptions().setConfig(config())).await(10, TimeUnit.SECONDS);
    int port = m.actualPort();
    // records flowing on the bus are what feeds the freshness view
    io.marketprism.platform.bus.RecordBus bus = io.marketprism.platform.bus.RecordBus.create(vertx,
        io.marketprism.platform.bus.BusOptions.from(new JsonObject()));
    bus.start().await(5, TimeUnit.SECONDS);
    bus.publish("trade.binance.spot.BTC-USDT", "t1", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    JsonObject alerts = awaitAlerts(port, a -> rules(a.getJsonArray("firing")).containsAll(
        java.util.List.of("down", "no_collector", "stale_trades")));
    assertThat(rules(alerts.getJsonArray("firing"))).contains("down", "no_collector", "stale_trades");

    JsonObject overview = get(port, "/api/v1/monitoring/overview");
    assertThat(overview.getString("status")).isEqualTo("DEGRADED");
    assertThat(overview.getJsonObject("services").getJsonArray("storage").getJsonObject(0).getString("status"))
        .isEqualTo("DOWN");
    assertThat(overview.getJsonArray("streams").getJsonObject(0).getString("subject")).isEqualTo("trade.binance.spot.BTC-USDT");

    healthy.set(true);
    m.recordSeen("trade.binance.spot.BTC-USDT");
    alerts = awaitAlerts(port, a -> !rules(a.getJsonArray("firing")).contains("down"));
    assertThat(alerts.getJsonArray("firing").stream().map(o -> ((JsonObject) o).getString("rule")))
        .doesNotContain("down").contains("no_collector");
    assertThat(alerts.getJsonArray("past").stream().map(o -> ((JsonObject) o).getString("rule"))).contains("down");
  }

  private static java.util.List<String> rules(JsonArray alerts) {
    return alerts.stream().map(o -> ((JsonObject) o).getString("rule")).toList();
  }

  /** Polls the alerts until {@code done} holds (the checks run on the poll interval), at most 10 s. */
  private JsonObject awaitAlerts(int port, java.util.function.Predicate<JsonObject> done) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    JsonObject alerts = get(port, "/api/v1/monitoring/alerts");
    while (!done.test(alerts) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      alerts = get(port, "/api/v1/monitoring/alerts");
    }
    return alerts;
  }

  @Test
  void aStreamThatComesEveryFewMinutesIsStaleAfterThreeOfItsGaps() throws Exception {
    MonitoringVerticle m = new MonitoringVerticle();
    vertx.deployVerticle(m, new DeploymentOptions().setConfig(config())).await(10, TimeUnit.SECONDS);
    m.recordSeen("trade.binance.perpetual.BTC-USDT");
    m.recordSeen("trade.binance.perpetual.BTC-USDT");
    m.recordSeen("trade.okx.perpetual.BTC-USDT");
    Thread.sleep(1000); // a stream whose last two records were a second apart
    m.recordSeen("trade.okx.perpetual.BTC-USDT");
    Thread.sleep(400);
    // both are older than the rule's 300 ms: only the stream that came at once is late
    JsonObject alerts = awaitAlerts(m.actualPort(), a -> a.getJsonArray("firing").stream()
        .anyMatch(o -> ((JsonObject) o).getString("message").contains("binance")));
    java.util.List<String> messages = alerts.getJsonArray("firing").stream()
        .map(o -> ((JsonObject) o).getString("message")).toList();
    assertThat(messages).anyMatch(t -> t.contains("trade.binance.perpetual.BTC-USDT"))
        .noneMatch(t -> t.contains("trade.okx.perpetual.BTC-USDT"));
  }

  @Test
  void aPeriodicStreamIsNotStaleBeforeItsPeriodEvenAfterOneRecord() throws Exception {
    JsonObject cfg = config();
    cfg.getJsonObject("monitoring").getJsonObject("alerts").put("stale_ratios", new JsonObject()
        .put("kind", "stale_stream").put("subject", "lsr_top_position.>").put("max_age_ms", 300).put("for_ms", 0));
    MonitoringVerticle m = new MonitoringVerticle();
    vertx.deployVerticle(m, new DeploymentOptions().setConfig(cfg)).await(10, TimeUnit.SECONDS);
    int port = m.actualPort();
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(new JsonObject()));
    bus.start().await(5, TimeUnit.SECONDS);
    // one ratio of a 1-second period (5m in production): stale after three periods, not max_age_ms
    bus.publish(new LongShortRatioRecord(DataType.LSR_TOP_POSITION, Exchange.BINANCE, MarketType.PERPETUAL,
        "ETH-USDT", "ETHUSDT", System.currentTimeMillis(), System.currentTimeMillis() * 1000, "1.5", "0.6", "0.4",
        "1s")).await(5, TimeUnit.SECONDS);
    long deadline = System.currentTimeMillis() + 10_000;
    JsonArray streams = get(port, "/api/v1/monitoring/overview").getJsonArray("streams");
    while (streams.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
      streams = get(port, "/api/v1/monitoring/overview").getJsonArray("streams");
    }
    long received = streams.getJsonObject(0).getLong("last_received_ms");
    Thread.sleep(Math.max(0, received + 900 - System.currentTimeMillis()));
    // older than max_age_ms (300 ms) and younger than its period: not late
    assertThat(rules(get(port, "/api/v1/monitoring/alerts").getJsonArray("firing"))).doesNotContain("stale_ratios");
    JsonObject alerts = awaitAlerts(port, a -> rules(a.getJsonArray("firing")).contains("stale_ratios"));
    JsonObject stale = alerts.getJsonArray("firing").stream().map(o -> (JsonObject) o)
        .filter(a -> a.getString("rule").equals("stale_ratios")).findFirst().orElseThrow();
    assertThat(stale.getString("message")).contains("lsr_top_position.binance.perpetual.ETH-USDT");
    assertThat(stale.getLong("fired_ms") - received).isGreaterThanOrEqualTo(3000);
  }

  @Test
  void readsTheSamplingPeriodOfARecord() {
    assertThat(MonitoringVerticle.periodMs(bytes("{\"period\":\"5m\"}"))).isEqualTo(300_000);
    assertThat(MonitoringVerticle.periodMs(bytes("{\"period\":\"1H\"}"))).isEqualTo(3_600_000);
    assertThat(MonitoringVerticle.periodMs(bytes("{\"period\":\"1d\"}"))).isEqualTo(86_400_000);
    assertThat(MonitoringVerticle.periodMs(bytes("{\"price\":\"1\"}"))).isZero();
    assertThat(MonitoringVerticle.periodMs(bytes("{\"period\":\"soon\"}"))).isZero();
    assertThat(MonitoringVerticle.periodMs(bytes("{\"period\":5}"))).isZero();
    assertThat(MonitoringVerticle.periodMs(bytes("not json"))).isZero();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void badRuleNamesTheKey() {
    JsonObject cfg = new JsonObject().put("monitoring", new JsonObject().put("alerts", new JsonObject()
        .put("x", new JsonObject().put("kind", "sometimes"))));
    assertThatThrownBy(() -> new MonitoringVerticle().validate(cfg)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("monitoring.alerts.x.kind").hasMessageContaining("instance_down");
  }

  @Test
  void staleStreamRuleWhoseSubjectNeverMatchesIsRefusedNamingTheRule() {
    JsonObject cfg = new JsonObject().put("monitoring", new JsonObject().put("alerts", new JsonObject()
        .put("stale_trades", new JsonObject().put("kind", "stale_stream").put("subject", "trades.binance.spot.*"))));
    assertThatThrownBy(() -> new MonitoringVerticle().validate(cfg)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("config monitoring.alerts.stale_trades.subject: subject pattern 'trades.binance.spot.*' "
            + "never matches: 'trades' is not a data type (trade, orderbook,");
    JsonObject tooShort = new JsonObject().put("monitoring", new JsonObject().put("alerts", new JsonObject()
        .put("stale_okx", new JsonObject().put("kind", "stale_stream").put("subject", "trade.okx"))));
    assertThatThrownBy(() -> new MonitoringVerticle().validate(tooShort)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("monitoring.alerts.stale_okx.subject").hasMessageContaining("never matches");
    // patterns that can match still start
    JsonObject fine = new JsonObject().put("monitoring", new JsonObject().put("alerts", new JsonObject()
        .put("a", new JsonObject().put("kind", "stale_stream").put("subject", "trade.>"))
        .put("b", new JsonObject().put("kind", "stale_stream").put("subject", "orderbook.okx.*.BTC-USDT"))));
    new MonitoringVerticle().validate(fine);
  }
}
