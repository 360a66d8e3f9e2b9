package io.marketprism.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A proxied WebSocket ({@code gateway.websocket.routes}) has the live stream's size limits on both
 * of its connections: frames and messages up to {@code gateway.stream.max_frame_bytes} /
 * {@code max_message_bytes} pass either way; one over them, from either side, closes the client's
 * connection with 1009 and a reason.
 */
class ProxiedWebSocketSizeTest {

  private static final int LIMIT = 256 * 1024;

  private Vertx vertx;
  private WebSocketClient wsClient;
  private GatewayHarness h;

  /** Answers a text {@code "N"} with one text frame of N bytes; accepts frames of any size. */
  static final class LargeFrameBackend extends FakeBackend {
    final List<Integer> received = new CopyOnWriteArrayList<>();

    LargeFrameBackend() {
      super("storage", "large");
    }

    @Override
    protected HttpServerOptions serverOptions() {
      return super.serverOptions().setMaxWebSocketFrameSize(4 * LIMIT).setMaxWebSocketMessageSize(4 * LIMIT);
    }

    @Override
    protected Future<?> startService(Router router) {
      router.route("/ws/v1/large").handler(ctx -> ctx.request().toWebSocket().onSuccess(ws -> ws.textMessageHandler(t -> {
        received.add(t.length());
        if (t.chars().allMatch(Character::isDigit)) {
          ws.writeFrame(WebSocketFrame.textFrame("x".repeat(Integer.parseInt(t)), true));
        }
      })));
      return Future.succeededFuture();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    // one frame per message, however large
    wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(4 * LIMIT)
        .setMaxMessageSize(4 * LIMIT));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private LargeFrameBackend backend() throws Exception {
    return backend(new JsonObject());
  }

  /** Starts the gateway with {@code stream} as its {@code gateway.stream}, and the backend. */
  private LargeFrameBackend backend(JsonObject stream) throws Exception {
    h = new GatewayHarness(vertx, new JsonObject().put("stream", stream).put("websocket", new JsonObject()
        .put("routes", new JsonObject().put("/ws/v1/large", "storage")))).start();
    LargeFrameBackend b = new LargeFrameBackend();
    vertx.deployVerticle(b, new io.vertx.core.DeploymentOptions().setConfig(h.config)).await(10, TimeUnit.SECONDS);
    h.awaitInstances("storage", 1);
    return b;
  }

  private WebSocket connect(List<String> frames, List<String> closed) throws Exception {
    return connect(wsClient, frames, closed);
  }

  private WebSocket connect(WebSocketClient wsClient, List<String> frames, List<String> closed) throws Exception {
    WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
        .setURI("/ws/v1/large")).await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    ws.closeHandler(v -> closed.add(ws.closeStatusCode() + " " + ws.closeReason()));
    return ws;
  }

  @Test
  void framesUpToTheLimitPassBothWays() throws Exception {
    LargeFrameBackend b = backend();
    List<String> frames = new CopyOnWriteArrayList<>();
    List<String> closed = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames, closed);
    // from the backend: one frame of 200 KB (over Vert.x's default 64 KB, which dropped it with 1006)
    ws.writeTextMessage(Integer.toString(200 * 1024));
    GatewayHarness.await(() -> !frames.isEmpty() || !closed.isEmpty());
    assertThat(closed).isEmpty();
    assertThat(frames.get(0)).hasSize(200 * 1024);
    // from the client: one frame of 200 KB reaches the backend whole
    ws.writeTextMessage("y".repeat(200 * 1024));
    GatewayHarness.await(() -> b.received.contains(200 * 1024) || !closed.isEmpty());
    assertThat(closed).isEmpty();
    assertThat(b.received).contains(200 * 1024);
  }

  @Test
  void aBackendFrameOverTheLimitClosesTheClientWith1009AndAReason() throws Exception {
    backend();
    List<String> frames = new CopyOnWriteArrayList<>();
    List<String> closed = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames, closed);
    ws.writeTextMessage(Integer.toString(LIMIT + 1));
    GatewayHarness.await(() -> !closed.isEmpty());
    assertThat(closed).containsExactly("1009 backend sent a frame over " + LIMIT + " bytes");
    assertThat(frames).isEmpty();
  }

  @Test
  void aClientFrameOverTheLimitClosesItWith1009AndAReason() throws Exception {
    LargeFrameBackend b = backend();
    List<String> frames = new CopyOnWriteArrayList<>();
    List<String> closed = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames, closed);
    ws.writeTextMessage("y".repeat(LIMIT + 1));
    GatewayHarness.await(() -> !closed.isEmpty());
    assertThat(closed).containsExactly("1009 client sent a frame over " + LIMIT + " bytes");
    assertThat(b.received).isEmpty();
  }

  @Test
  void aMessageOverTheLimitInFramesThatFitClosesBothWith1009AndAReason() throws Exception {
    LargeFrameBackend b = backend(new JsonObject().put("max_message_bytes", 64 * 1024).put("max_frame_bytes", 16 * 1024));
    WebSocketClient smallFrames = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(16 * 1024)
        .setMaxMessageSize(4 * LIMIT));
    List<String> frames = new CopyOnWriteArrayList<>();
    List<String> closed = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(smallFrames, frames, closed);
    ws.writeTextMessage("y".repeat(60 * 1024));
    GatewayHarness.await(() -> b.received.contains(60 * 1024) || !closed.isEmpty());
    assertThat(closed).isEmpty();
    // Vert.x alone drops a message over the limit and keeps both connections open: the message would be lost
    ws.writeTextMessage("y".repeat(100 * 1024));
    GatewayHarness.await(() -> !closed.isEmpty());
    assertThat(closed).containsExactly("1009 client sent a message over 65536 bytes");
    assertThat(b.received).containsExactly(60 * 1024);
  }

  @Test
  void aBackendWithVertxDefaultLimitsGetsLargeClientMessagesInFramesItTakes() throws Exception {
    h = new GatewayHarness(vertx, new JsonObject().put("websocket", new JsonObject()
        .put("routes", new JsonObject().put("/ws/v1/echo", "storage")))).start();
    h.backend("storage", "ws");
    h.awaitInstances("storage", 1);
    List<String> frames = new CopyOnWriteArrayList<>();
    List<String> closed = new CopyOnWriteArrayList<>();
    WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
        .setURI("/ws/v1/echo")).await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    ws.binaryMessageHandler(b -> frames.add("binary " + b.length()));
    ws.closeHandler(v -> closed.add(ws.closeStatusCode() + " " + ws.closeReason()));
    // one frame of 200 KB from the client, with characters of 2, 3 and 4 bytes across the frame boundaries
    String text = "é€😀".repeat(200 * 1024 / 9);
    ws.writeTextMessage(text);
    GatewayHarness.await(() -> !frames.isEmpty() || !closed.isEmpty());
    assertThat(closed).isEmpty();
    assertThat(frames.get(0)).isEqualTo("ws:" + text);
    ws.writeBinaryMessage(Buffer.buffer(new byte[200 * 1024]));
    GatewayHarness.await(() -> frames.size() > 1 || !closed.isEmpty());
    assertThat(closed).isEmpty();
    assertThat(frames.get(1)).isEqualTo("binary " + 200 * 1024);
  }
}
