package io.marketprism.gateway;

import io.marketprism.gateway.stream.RawStreamClient;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The live stream of a gateway that runs several verticles (one per event loop) on one port. */
class LiveStreamGatewayTest {

  private Vertx vertx;
  private GatewayHarness h;
  private WebSocketClient wsClient;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    // a fixed port: verticles listening on port 0 would each get one of their own
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    h = new GatewayHarness(vertx, new JsonObject().put("port", port)
        .put("stream", new JsonObject().put("max_clients", 3).put("max_queued_bytes", 64 * 1024)
            .put("slow_grace_ms", 200).put("close_timeout_ms", 500))).start().startAnother();
    wsClient = vertx.createWebSocketClient();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private WebSocket subscribed(List<String> frames) throws Exception {
    WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    long deadline = System.currentTimeMillis() + 5_000;
    while (frames.isEmpty() && !ws.isClosed() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return ws;
  }

  @Test
  void clientsAreCountedAndLimitedAcrossTheGatewaysVerticles() throws Exception {
    List<WebSocket> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> frames = new CopyOnWriteArrayList<>();
      open.add(subscribed(frames));
      assertThat(frames).hasSize(1);
      assertThat(new JsonObject(frames.get(0)).getString("op")).isEqualTo("subscribed");
    }
    // the connections went round-robin to both verticles: the gauge counts them all
    assertThat(h.get("/metrics").bodyAsString()).contains("marketprism_stream_clients 3.0");

    // max_clients holds for the gateway, not for each of its verticles
    WebSocket fourth = wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    // it may be closed already when connect returns: read its close status, not a handler set too late
    long deadline = System.currentTimeMillis() + 5_000;
    while (!fourth.isClosed() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(fourth.closeStatusCode() + " " + fourth.closeReason()).startsWith("1013")
        .contains("too many stream clients (3)");

    // one leaves: the gauge follows and a new client is served
    open.remove(0).close().await(5, TimeUnit.SECONDS);
    deadline = System.currentTimeMillis() + 5_000;
    while (!h.get("/metrics").bodyAsString().contains("marketprism_stream_clients 2.0")
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(h.get("/metrics").bodyAsString()).contains("marketprism_stream_clients 2.0");
    List<String> again = new CopyOnWriteArrayList<>();
    subscribed(again);
    assertThat(again).hasSize(1);
    assertThat(h.get("/metrics").bodyAsString()).contains("marketprism_stream_clients 3.0");
  }

  @Test
  void aSlowClientThatNeverReadsAgainLosesItsConnectionThroughTheRouter() throws Exception {
    // the gateway upgrades through its router: the socket is vertx-web's wrapper of Vert.x's
    RecordBus bus = RecordBus.create(vertx, BusOptions.from(new JsonObject()));
    bus.start().await(5, TimeUnit.SECONDS);
    try (RawStreamClient raw = new RawStreamClient(h.port(), "trade.>")) {
      String pad = "x".repeat(1000);
      for (int i = 0; i < 20_000 && !h.get("/metrics").bodyAsString().contains("marketprism_stream_clients 0.0"); i++) {
        bus.publish("trade.binance.spot.BTC-USDT", "id" + i,
            ("{\"n\":" + i + ",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8));
        if (i % 10 == 0) {
          Thread.sleep(5);
        }
      }
      assertThat(h.get("/metrics").bodyAsString()).contains("marketprism_stream_slow_clients_total 1.0");
      Thread.sleep(1500);
      assertThat(raw.readsToTheEndWithin(3000)).as("the connection was closed by the gateway").isTrue();
    }
  }
}
