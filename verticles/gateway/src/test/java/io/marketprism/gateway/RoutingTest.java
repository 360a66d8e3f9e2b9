package io.marketprism.gateway;

import io.marketprism.testkit.FreePorts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.testkit.FreePorts;

class RoutingTest {

  private Vertx vertx;
  private GatewayHarness h;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    h = new GatewayHarness(vertx, new JsonObject()).start();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aPortAnotherProcessHoldsIsNamedWithTheSettingsThatChooseIt() throws Exception {
    // a second demo, or anything else, on the port: "cannot listen on 127.0.0.1:8080: Address already in use"
    // said nothing of what holds it or how to choose another
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      GatewayHarness second = new GatewayHarness(vertx, new JsonObject().put("port", taken.getLocalPort()));
      assertThatThrownBy(second::start)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("another process listens there")
          .hasMessageContaining("gateway.port; demo: --port");
    }
  }

  @Test
  void roundRobinsAcrossInstancesWithPathQueryAndRequestIdUnchanged() throws Exception {
    h.backend("storage", "a");
    h.backend("storage", "b");
    h.awaitInstances("storage", 2);

    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      HttpResponse<Buffer> r = h.web.get(h.port(), "127.0.0.1", "/api/v1/storage/trade?symbol=BTC-USDT&limit=5")
          .putHeader("X-Request-Id", "req-" + i).putHeader("Connection", "keep-alive, X-Hop").putHeader("X-Hop", "x")
          .send().await(5, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("X-Request-Id")).isEqualTo("req-" + i);
      JsonObject body = r.bodyAsJsonObject();
      assertThat(body.getString("uri")).isEqualTo("/api/v1/storage/trade?symbol=BTC-USDT&limit=5");
      assertThat(body.getString("request_id")).isEqualTo("req-" + i);
      assertThat(body.getString("connection_header")).as("headers named in Connection are hop-by-hop").isNull();
      seen.add(body.getString("instance"));
    }
    String first = seen.get(0);
    String second = first.equals("a") ? "b" : "a";
    assertThat(seen).containsExactly(first, second, first, second, first, second);
  }

  @Test
  void postBodiesAreStreamedToTheBackend() throws Exception {
    h.backend("collector", "c");
    h.awaitInstances("collector", 1);
    String payload = "x".repeat(200_000);
    HttpResponse<Buffer> r = h.web.put(h.port(), "127.0.0.1", "/api/v1/collector/echo")
        .sendBuffer(Buffer.buffer(payload)).await(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("body")).isEqualTo(payload);
    assertThat(r.bodyAsJsonObject().getString("method")).isEqualTo("PUT");
  }

  @Test
  void anHttp2ClientGets503WhenItsOnlyInstanceDropsTheRequest() throws Exception {
    h.backend("storage", "dropper").mode = FakeBackend.Mode.DROP;
    h.awaitInstances("storage", 1);
    // the JDK client upgrades to HTTP/2 (h2c): a request read to its end refused the gateway's resume
    // with an exception, and the client waited for an answer that never came
    java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_2).build();
    java.net.http.HttpResponse<String> r = client.sendAsync(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + h.port() + "/api/v1/storage/trade")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).get(5, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
  }

  @Test
  void failingInstanceIsSkippedOnceItsBreakerOpens() throws Exception {
    FakeBackend bad = h.backend("storage", "bad");
    h.backend("storage", "good");
    h.awaitInstances("storage", 2);
    bad.mode = FakeBackend.Mode.FAIL;

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      statuses.add(h.get("/api/v1/storage/trade").statusCode());
    }
    // three 500s pass through (max_failures 3), then only the healthy instance answers
    assertThat(statuses.stream().filter(s -> s == 500).count()).isEqualTo(3);
    assertThat(statuses.subList(10, 20)).containsOnly(200);
    assertThat(bad.hits.get()).isEqualTo(3);

    JsonArray instances = h.get("/api/v1/gateway/services").bodyAsJsonObject()
        .getJsonObject("services").getJsonObject("storage").getJsonArray("instances");
    assertThat(instances).hasSize(2);
    List<String> breakers = new ArrayList<>();
    for (int i = 0; i < instances.size(); i++) {
      JsonObject inst = instances.getJsonObject(i);
      breakers.add(inst.getInteger("port").equals(bad.actualPort()) ? "bad=" + inst.getString("breaker")
          : "good=" + inst.getString("breaker"));
    }
    assertThat(breakers).containsExactlyInAnyOrder("bad=open", "good=closed");

    String metrics = h.get("/metrics").bodyAsString();
    assertThat(metrics).contains("mp_gateway_breaker_state{instance=\"127.0.0.1:" + bad.actualPort()
        + "\",service=\"storage\"} 2.0");
    assertThat(metrics).containsPattern("mp_gateway_routed_requests_total\\{service=\"storage\"} 20\\.0");
    assertThat(metrics).containsPattern(
        "mp_gateway_failed_requests_total\\{reason=\"backend_error\",service=\"storage\"} 3\\.0");
  }

  @Test
  void aBreakerOpenedOnOneEventLoopIsOpenOnAll() throws Exception {
    // a second gateway, two verticles sharing one port as in production (one per event loop)
    Vertx two = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(2));
    try {
      GatewayHarness g = new GatewayHarness(two, new JsonObject().put("port", FreePorts.next()));
      g.start();
      g.startAnother();
      FakeBackend bad = g.backend("storage", "bad");
      g.backend("storage", "good");
      g.awaitInstances("storage", 2);
      bad.mode = FakeBackend.Mode.FAIL;
      io.vertx.ext.web.client.WebClient fresh = io.vertx.ext.web.client.WebClient.create(two,
          new io.vertx.ext.web.client.WebClientOptions().setKeepAlive(false));
      for (int i = 0; i < 24; i++) {
        // a new connection each time: the two verticles take turns
        fresh.get(g.port(), "127.0.0.1", "/api/v1/storage/trade").send().await(10, TimeUnit.SECONDS);
      }
      assertThat(bad.hits.get()).as("max_failures is 3 for the process, not 3 per event loop").isEqualTo(3);
    } finally {
      two.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void connectFailureOfAGetIsRetriedOnAnotherInstance() throws Exception {
    h.deadInstance("storage", FreePorts.next());
    h.backend("storage", "alive");
    h.awaitInstances("storage", 2);
    for (int i = 0; i < 6; i++) {
      HttpResponse<Buffer> r = h.get("/api/v1/storage/trade");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getString("instance")).isEqualTo("alive");
    }
  }

  @Test
  void allInstancesDownIs503WithErrorJson() throws Exception {
    h.deadInstance("scheduler", FreePorts.next());
    h.deadInstance("scheduler", FreePorts.next());
    h.awaitInstances("scheduler", 2);
    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> r = h.get("/api/v1/scheduler/jobs");
      assertThat(r.statusCode()).isEqualTo(503);
      assertErrorJson(r, "service_unavailable");
    }
    // a configured service with no instance at all
    HttpResponse<Buffer> none = h.get("/api/v1/broker/streams");
    assertThat(none.statusCode()).isEqualTo(503);
    assertErrorJson(none, "service_unavailable");
  }

  @Test
  void unknownServiceIs404WithErrorJson() throws Exception {
    HttpResponse<Buffer> r = h.get("/api/v1/nosuchservice/x");
    assertThat(r.statusCode()).isEqualTo(404);
    assertErrorJson(r, "not_found");
    assertThat(h.get("/api/v2/storage/x").statusCode()).isEqualTo(404);
  }

  @Test
  void slowBackendIs504WithinTheTimeout() throws Exception {
    FakeBackend slow = h.backend("monitoring", "slow");
    h.awaitInstances("monitoring", 1);
    slow.mode = FakeBackend.Mode.SLOW;
    slow.slowMs = 5000;
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = h.get("/api/v1/monitoring/overview");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(504);
    assertErrorJson(r, "backend_timeout");
    assertThat(ms).isBetween(900L, 1800L);
  }

  @Test
  void liveStreamIsServedFromTheBusByTheGatewayItself() throws Exception {
    WebSocket ws = vertx.createWebSocketClient().connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(h.port()).setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    java.util.List<String> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
    ws.textMessageHandler(frames::add);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.binance.*.*\"]}");
    long deadline = System.currentTimeMillis() + 5000;
    while (frames.isEmpty() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(frames.get(0)).contains("\"subscribed\"");
    io.marketprism.platform.bus.RecordBus bus = io.marketprism.platform.bus.RecordBus.create(vertx,
        io.marketprism.platform.bus.BusOptions.from(new io.vertx.core.json.JsonObject()));
    bus.start().await(5, TimeUnit.SECONDS);
    bus.publish("trade.okx.spot.BTC-USDT", "a", "{\"n\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    bus.publish("trade.binance.spot.BTC-USDT", "b", "{\"n\":2}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    while (frames.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(frames).hasSize(2);
    assertThat(frames.get(1)).isEqualTo("{\"n\":2}");
    ws.close().await(5, TimeUnit.SECONDS);
  }

  @Test
  void webSocketsAreProxiedToTheConfiguredService() throws Exception {
    h.backend("storage", "ws");
    h.awaitInstances("storage", 1);
    WebSocket ws = vertx.createWebSocketClient().connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(h.port()).setURI("/ws/v1/echo")).await(5, TimeUnit.SECONDS);
    CompletableFuture<String> echo = new CompletableFuture<>();
    ws.textMessageHandler(echo::complete);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.*.*.*\"]}");
    assertThat(echo.get(5, TimeUnit.SECONDS)).isEqualTo("ws:{\"op\":\"subscribe\",\"subjects\":[\"trade.*.*.*\"]}");
    ws.close().await(5, TimeUnit.SECONDS);

    // a plain GET on a WebSocket path (proxied and local) and an unknown WebSocket path
    HttpResponse<Buffer> proxied = h.get("/ws/v1/echo");
    assertThat(proxied.statusCode()).isEqualTo(400);
    assertErrorJson(proxied, "bad_request");
    HttpResponse<Buffer> local = h.get("/ws/v1/stream");
    assertThat(local.statusCode()).isEqualTo(400);
    assertErrorJson(local, "bad_request");
    assertThat(h.get("/ws/v1/other").statusCode()).isEqualTo(404);
  }

  @Test
  void healthSumsTheClusterAndGoesDownWithAnInstance() throws Exception {
    FakeBackend s = h.backend("storage", "s");
    h.awaitInstances("storage", 1);
    HttpResponse<Buffer> up = h.get("/health");
    assertThat(up.statusCode()).isEqualTo(200);
    JsonObject body = up.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("UP");
    assertThat(body.getJsonObject("services").getString("storage")).isEqualTo("UP");
    assertThat(body.getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
        .contains("storage@127.0.0.1:" + s.actualPort(), "discovery");

    h.deadInstance("collector", FreePorts.next());
    h.awaitInstances("collector", 1);
    HttpResponse<Buffer> down = h.get("/health");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.bodyAsJsonObject().getString("status")).isEqualTo("DOWN");
    assertThat(down.bodyAsJsonObject().getJsonObject("services").getString("collector")).isEqualTo("DOWN");
  }

  @Test
  void discoveryCheckCountsTheDiscoveredInstancesNotTheRoutes() throws Exception {
    JsonObject none = discoveryCheck();
    assertThat(none.getString("status")).isEqualTo("UP");
    assertThat(none.getJsonObject("data").getInteger("services")).isZero();
    assertThat(none.getJsonObject("data").getJsonObject("instances").getInteger("storage")).isZero();

    h.backend("storage", "a");
    h.backend("storage", "b");
    h.awaitInstances("storage", 2);
    JsonObject two = discoveryCheck().getJsonObject("data");
    assertThat(two.getInteger("services")).isEqualTo(1);
    assertThat(two.getJsonObject("instances").getInteger("storage")).isEqualTo(2);
    assertThat(two.getJsonObject("instances").getInteger("collector")).isZero();
  }

  private JsonObject discoveryCheck() throws Exception {
    return h.get("/health").bodyAsJsonObject().getJsonArray("checks").stream().map(c -> (JsonObject) c)
        .filter(c -> "discovery".equals(c.getString("id"))).findFirst().orElseThrow();
  }

  @Test
  void dashboardIsServedAtRoot() throws Exception {
    HttpResponse<Buffer> r = h.get("/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/html");
    assertThat(r.bodyAsString()).contains("/api/v1/gateway/services", "/ws/v1/stream");
    assertThat(r.getHeader("X-Request-Id")).isNotBlank();
  }

  static void assertErrorJson(HttpResponse<Buffer> r, String code) {
    assertThat(r.getHeader("X-Request-Id")).isNotBlank();
    JsonObject error = r.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("request_id")).isEqualTo(r.getHeader("X-Request-Id"));
  }
}
