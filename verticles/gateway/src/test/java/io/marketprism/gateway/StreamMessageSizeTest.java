package io.marketprism.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The live stream's message size limits, as the gateway's configuration sets them. */
class StreamMessageSizeTest {

  private Vertx vertx;
  private WebSocketClient wsClient;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    // one frame per message, however large: as a client that sends its request in one frame
    wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(4 * 1024 * 1024)
        .setMaxMessageSize(4 * 1024 * 1024));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private GatewayHarness gateway(JsonObject stream) throws Exception {
    return new GatewayHarness(vertx, new JsonObject().put("stream", stream.put("max_subscriptions", 10_000))).start();
  }

  private WebSocket connect(GatewayHarness h, List<String> frames) throws Exception {
    WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    return ws;
  }

  /** A subscribe of {@code n} patterns, one per symbol: about 40 bytes each. */
  private static String subscribe(int n) {
    JsonArray subjects = new JsonArray();
    for (int i = 0; i < n; i++) {
      subjects.add("trade.binance.spot.SYMBOL" + i + "-USDT");
    }
    return new JsonObject().put("op", "subscribe").put("subjects", subjects).encode();
  }

  @Test
  void aRequestInOneFrameUpToTheMessageLimitIsServed() throws Exception {
    GatewayHarness h = gateway(new JsonObject());
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(h, frames);
    String request = subscribe(5_000);
    assertThat(request.length()).isBetween(150_000, 256 * 1024);
    List<String> closed = new CopyOnWriteArrayList<>();
    ws.closeHandler(v -> closed.add(ws.closeStatusCode() + " " + ws.closeReason()));
    ws.writeTextMessage(request);
    GatewayHarness.await(() -> !frames.isEmpty() || !closed.isEmpty());
    assertThat(closed).isEmpty();
    JsonObject reply = new JsonObject(frames.get(0));
    assertThat(reply.getString("op")).isEqualTo("subscribed");
    assertThat(reply.getJsonArray("subjects")).hasSize(5_000);
  }

  @Test
  void aFrameOverTheLimitClosesTheConnectionWith1009AndAReason() throws Exception {
    GatewayHarness h = gateway(new JsonObject());
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(h, frames);
    ws.writeTextMessage(subscribe(8_000));
    GatewayHarness.await(ws::isClosed);
    assertThat(ws.closeStatusCode()).isEqualTo((short) 1009);
    assertThat(ws.closeReason()).contains("262144");
    assertThat(frames).isEmpty();
  }

  @Test
  void theLimitIsConfigurable() throws Exception {
    GatewayHarness h = gateway(new JsonObject().put("max_message_bytes", 32 * 1024));
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket small = connect(h, frames);
    small.writeTextMessage(subscribe(500));
    GatewayHarness.await(() -> !frames.isEmpty());
    assertThat(new JsonObject(frames.get(0)).getString("op")).isEqualTo("subscribed");

    WebSocket large = connect(h, new CopyOnWriteArrayList<>());
    large.writeTextMessage(subscribe(1_000));
    GatewayHarness.await(large::isClosed);
    assertThat(large.closeStatusCode()).isEqualTo((short) 1009);
    assertThat(large.closeReason()).contains("32768");
    assertThat(small.isClosed()).isFalse();
  }
}
