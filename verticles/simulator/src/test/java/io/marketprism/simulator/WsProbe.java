package io.marketprism.simulator;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A real WebSocket client collecting text frames for a test thread to read. */
final class WsProbe implements AutoCloseable {

  final WebSocket ws;
  final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  final AtomicInteger pings = new AtomicInteger();
  volatile boolean closed;
  volatile long closedAt;
  private final WebSocketClient client;

  private WsProbe(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.frameHandler(f -> {
      if (f.isPing()) {
        pings.incrementAndGet();
      }
    });
    ws.textMessageHandler(messages::add);
    ws.closeHandler(v -> {
      closedAt = System.currentTimeMillis();
      closed = true;
    });
  }

  static WsProbe connect(Vertx vertx, int port, String uri) {
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket ws = SimulatorHarness.await(client.connect(port, "127.0.0.1", uri));
    return new WsProbe(client, ws);
  }

  void send(String text) {
    SimulatorHarness.await(ws.writeTextMessage(text));
  }

  String next(long timeoutMs) throws InterruptedException {
    return messages.poll(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** The next message matching, skipping others; fails after the timeout. */
  JsonObject nextJson(Predicate<JsonObject> match, long timeoutMs) throws InterruptedException {
    long end = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < end) {
      String m = next(Math.max(1, end - System.currentTimeMillis()));
      if (m == null) {
        break;
      }
      JsonObject o = new JsonObject(m);
      if (match.test(o)) {
        return o;
      }
    }
    throw new AssertionError("no matching message within " + timeoutMs + " ms");
  }

  @Override
  public void close() {
    if (!closed) {
      ws.close();
    }
    client.close();
  }
}
