package io.marketprism.gateway.stream;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class LiveStreamTest {

  private Vertx vertx;
  private RecordBus bus;
  private LiveStream stream;
  private int port;
  private WebSocketClient wsClient;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    bus = RecordBus.create(vertx, BusOptions.from(new JsonObject()));
    bus.start().await(5, TimeUnit.SECONDS);
    stream = new LiveStream(bus, new StreamOptions(true, 10, 5, 64 * 1024, 1000, 1000, 1024 * 1024, 10_000, 64 * 1024, 256 * 1024, 30_000), new SimpleMeterRegistry());
    // small socket buffers so a client that stops reading fills its queue after ~200 KB, not megabytes
    HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSendBufferSize(32 * 1024))
        .webSocketHandler(stream::accept).listen(0, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
    port = server.actualPort();
    wsClient = vertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions().setReceiveBufferSize(32 * 1024));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private WebSocket connect(List<String> frames) throws Exception {
    WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1").setURI("/ws/v1/stream"))
        .await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    return ws;
  }

  private void publish(String subject, int n) {
    String json = "{\"data_type\":\"trade\",\"subject\":\"" + subject + "\",\"n\":" + n + "}";
    bus.publish(subject, subject + ":" + n, json.getBytes(StandardCharsets.UTF_8));
  }

  private static void await(java.util.function.BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 15_000;
    while (!cond.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(cond.getAsBoolean()).isTrue();
  }

  @Test
  void deliversOnlyMatchingRecordsOnceAndStopsAfterUnsubscribe() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.binance.*.*\",\"trade.>\"]}");
    await(() -> frames.size() == 1);
    assertThat(new JsonObject(frames.get(0)).getString("op")).isEqualTo("subscribed");

    publish("trade.binance.spot.BTC-USDT", 1);
    publish("orderbook.binance.spot.BTC-USDT", 2);
    publish("trade.okx.spot.BTC-USDT", 3);
    await(() -> frames.size() == 3);
    Thread.sleep(100);
    assertThat(frames).hasSize(3); // the binance trade matches both patterns but arrives once
    assertThat(new JsonObject(frames.get(1)).getInteger("n")).isEqualTo(1);
    assertThat(new JsonObject(frames.get(2)).getInteger("n")).isEqualTo(3);

    ws.writeTextMessage("{\"op\":\"unsubscribe\",\"subjects\":[\"trade.binance.*.*\",\"trade.>\"]}");
    await(() -> frames.size() == 4);
    publish("trade.binance.spot.BTC-USDT", 4);
    Thread.sleep(200);
    assertThat(frames).hasSize(4);
  }

  @Test
  void badRequestsGetAnErrorAndTheConnectionStaysOpen() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("not json");
    ws.writeTextMessage("{\"op\":\"dance\"}");
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade..x\"]}");
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\",\"ticker.>\",\"kline.>\",\"orderbook.>\",\"mark_price.>\",\"liquidation.>\"]}");
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 5);
    for (int i = 0; i < 4; i++) {
      assertThat(new JsonObject(frames.get(i)).getString("op")).isEqualTo("error");
    }
    assertThat(new JsonObject(frames.get(2)).getString("message")).contains("empty token");
    assertThat(new JsonObject(frames.get(3)).getString("message")).contains("at most 5");
    assertThat(new JsonObject(frames.get(4)).getString("op")).isEqualTo("subscribed");
    assertThat(ws.isClosed()).isFalse();
  }

  @Test
  void aPatternThatCanNeverMatchIsAnErrorAndTheOtherSubscriptionsStay() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"*.binance.>\",\"trade.*.*.BTC-USDT\"]}");
    await(() -> frames.size() == 1);
    assertThat(new JsonObject(frames.get(0)).getString("op")).isEqualTo("subscribed");
    List<String> never = List.of("foo.>", "trades.binance.spot.BTC-USDT", "trade.kraken.*.*", "trade.okx.swap.>",
        "trade.binance.spot.BTC-USDT.x", "trade.binance.spot.BTC-USDT.>", "trade.binance.spot");
    for (String p : never) {
      ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.okx.>\",\"" + p + "\"]}");
    }
    await(() -> frames.size() == 1 + never.size());
    for (int i = 0; i < never.size(); i++) {
      JsonObject err = new JsonObject(frames.get(1 + i));
      assertThat(err.getString("op")).isEqualTo("error");
      assertThat(err.getString("message")).contains("'" + never.get(i) + "' never matches");
    }
    assertThat(new JsonObject(frames.get(1)).getString("message")).contains("'foo' is not a data type");
    assertThat(new JsonObject(frames.get(3)).getString("message")).contains("'kraken' is not an exchange");
    assertThat(new JsonObject(frames.get(4)).getString("message")).contains("'swap' is not a market type");
    assertThat(new JsonObject(frames.get(5)).getString("message")).contains("a subject has 4 tokens");
    assertThat(ws.isClosed()).isFalse();

    // the subscriptions held before are served, none of the refused requests added one
    publish("ticker.binance.spot.ETH-USDT", 1);
    publish("trade.okx.perpetual.BTC-USDT", 2);
    publish("trade.okx.spot.ETH-USDT", 3);
    await(() -> frames.size() == 3 + never.size());
    Thread.sleep(100);
    assertThat(frames).hasSize(3 + never.size());
    assertThat(new JsonObject(frames.get(1 + never.size())).getInteger("n")).isEqualTo(1);
    assertThat(new JsonObject(frames.get(2 + never.size())).getInteger("n")).isEqualTo(2);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\">\"]}");
    await(() -> frames.size() == 4 + never.size());
    assertThat(new JsonObject(frames.get(3 + never.size())).getString("op")).isEqualTo("subscribed");
  }

  @Test
  void unsubscribingAPatternNotSubscribedIsAnErrorAndChangesNothing() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.okx.>\"]}");
    await(() -> frames.size() == 1);
    // a narrower pattern under the subscribed one, and one unrelated to it
    ws.writeTextMessage("{\"op\":\"unsubscribe\",\"subjects\":[\"trade.okx.spot.BTC-USDT\"]}");
    ws.writeTextMessage("{\"op\":\"unsubscribe\",\"subjects\":[\"trade.okx.>\",\"orderbook.>\"]}");
    await(() -> frames.size() == 3);
    for (int i = 1; i <= 2; i++) {
      JsonObject err = new JsonObject(frames.get(i));
      assertThat(err.getString("op")).isEqualTo("error");
      assertThat(err.getString("message")).contains("not subscribed").contains("trade.okx.>");
    }
    assertThat(new JsonObject(frames.get(1)).getString("message")).contains("trade.okx.spot.BTC-USDT");
    assertThat(new JsonObject(frames.get(2)).getString("message")).contains("orderbook.>");
    assertThat(ws.isClosed()).isFalse();

    // nothing changed: the subscribed pattern still delivers, the failed request removed none of it
    publish("trade.okx.spot.BTC-USDT", 1);
    await(() -> frames.size() == 4);
    assertThat(new JsonObject(frames.get(3)).getInteger("n")).isEqualTo(1);
    ws.writeTextMessage("{\"op\":\"unsubscribe\",\"subjects\":[\"trade.okx.>\"]}");
    await(() -> frames.size() == 5);
    assertThat(new JsonObject(frames.get(4)).getString("op")).isEqualTo("unsubscribed");
  }

  @Test
  void reSubscribingAPatternAtTheCapIsAcknowledgedWithoutDuplicates() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\",\"ticker.>\",\"kline.>\",\"orderbook.>\",\"mark_price.>\"]}");
    await(() -> frames.size() == 1);
    assertThat(new JsonObject(frames.get(0)).getString("op")).isEqualTo("subscribed");
    // at the cap of 5: the same pattern again, alone and with others already held
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"ticker.>\",\"trade.>\",\"ticker.>\"]}");
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\",\"liquidation.>\"]}");
    await(() -> frames.size() == 4);
    assertThat(new JsonObject(frames.get(1)).getString("op")).isEqualTo("subscribed");
    assertThat(new JsonObject(frames.get(2)).getString("op")).isEqualTo("subscribed");
    assertThat(new JsonObject(frames.get(3)).getString("message")).contains("at most 5");

    publish("trade.binance.spot.BTC-USDT", 1);
    await(() -> frames.size() == 5);
    Thread.sleep(100);
    assertThat(frames).hasSize(5); // once, however often the pattern was subscribed
    // one unsubscribe removes it
    ws.writeTextMessage("{\"op\":\"unsubscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 6);
    publish("trade.binance.spot.BTC-USDT", 2);
    Thread.sleep(200);
    assertThat(frames).hasSize(6);
  }

  @Test
  void aRequestOverTheMessageSizeLimitIsAnErrorAndTheClientKeepsItsSubscriptions() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 1);
    // over the server's message limit (Vert.x's default, 256 KB): sent as several frames, refused while aggregated
    ws.writeTextMessage("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(300_000) + "\"}");
    await(() -> frames.size() == 2);
    JsonObject err = new JsonObject(frames.get(1));
    assertThat(err.getString("op")).isEqualTo("error");
    assertThat(err.getString("message")).contains("too large").contains("262144");
    assertThat(ws.isClosed()).isFalse();

    // the client is still served: its subscription delivers, new requests are answered
    publish("trade.binance.spot.BTC-USDT", 1);
    await(() -> frames.size() == 3);
    assertThat(new JsonObject(frames.get(2)).getInteger("n")).isEqualTo(1);
    ws.writeTextMessage("{\"op\":\"ping\"}");
    await(() -> frames.size() == 4);
    assertThat(new JsonObject(frames.get(3)).getString("op")).isEqualTo("pong");
    assertThat(stream.clients()).isEqualTo(1);
  }

  @Test
  void aSlowClientIsClosedWithAReasonWhileOthersKeepReceiving() throws Exception {
    AtomicInteger fastFrames = new AtomicInteger();
    WebSocket fast = wsClient.connect(new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    fast.textMessageHandler(t -> fastFrames.incrementAndGet());
    fast.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    AtomicInteger slowFrames = new AtomicInteger();
    AtomicReference<String> closeReason = new AtomicReference<>();
    WebSocket slow = wsClient.connect(new WebSocketConnectOptions().setPort(port).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    slow.textMessageHandler(t -> slowFrames.incrementAndGet());
    slow.closeHandler(v -> closeReason.set(slow.closeStatusCode() + " " + slow.closeReason()));
    slow.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> fastFrames.get() == 1 && slowFrames.get() == 1);
    slow.pause(); // stops reading: its server-side queue fills

    String pad = "x".repeat(1000);
    // 2 MB for the paused client: far over the socket buffers plus its 64 KB queue limit
    for (int i = 0; i < 2_000; i++) {
      String subject = "trade.binance.spot.BTC-USDT";
      bus.publish(subject, "id" + i, ("{\"n\":" + i + ",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8));
      if (i % 10 == 0) {
        Thread.sleep(5); // bursts of 10 KB, well under the queue limit: a client that reads keeps up
      }
    }
    await(() -> stream.clients() == 1);
    await(() -> fastFrames.get() == 2_001);
    assertThat(fast.isClosed()).isFalse();
    slow.resume();
    await(() -> closeReason.get() != null);
    assertThat(closeReason.get()).startsWith("1008").contains("slow consumer");
  }

  @Test
  void aSlowClientThatNeverReadsAgainLosesItsConnectionAfterTheCloseTimeout() throws Exception {
    LiveStream cutting = new LiveStream(bus, new StreamOptions(true, 10, 5, 64 * 1024, 200, 1000, 1024 * 1024, 500, 64 * 1024, 256 * 1024, 30_000),
        new SimpleMeterRegistry());
    HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSendBufferSize(32 * 1024))
        .webSocketHandler(cutting::accept).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    try (RawStreamClient raw = new RawStreamClient(server.actualPort(), "trade.>")) {
      // it completed the handshake and subscribed, and now never reads
      String pad = "x".repeat(1000);
      for (int i = 0; i < 2_000 && cutting.clients() == 1; i++) {
        bus.publish("trade.binance.spot.BTC-USDT", "id" + i,
            ("{\"n\":" + i + ",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8));
        if (i % 10 == 0) {
          Thread.sleep(5);
        }
      }
      await(() -> cutting.clients() == 0); // dropped as slow: its close frame waits behind what it does not read

      // it does not read its close frame within the close timeout: the gateway cuts the connection
      // (and frees its queue); reading now finds the end of the stream, not a connection held open
      Thread.sleep(1500);
      assertThat(raw.readsToTheEndWithin(3000)).as("the connection was closed by the gateway").isTrue();
    }
  }

  /**
   * A client that reads nothing while books of several KB flow: what the gateway takes for it
   * beyond its full queue is bounded in bytes, not only in records. The bound of 20,000 records
   * (the default) let 2,000 books of 8 KB, 16 MB, pile up for it within the grace period.
   */
  @Test
  void aClientThatReadsNothingHoldsAtMostTwiceItsQueueBoundInBytes() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    LiveStream bounded = new LiveStream(bus, new StreamOptions(true, 10, 5, 64 * 1024, 60_000, 20_000, 64 * 1024, 10_000,
        64 * 1024, 256 * 1024, 30_000), meters);
    HttpServer server = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setSendBufferSize(32 * 1024))
        .webSocketHandler(bounded::accept).listen(0, "127.0.0.1").await(5, TimeUnit.SECONDS);
    try (RawStreamClient raw = new RawStreamClient(server.actualPort(), "orderbook.>")) {
      String levels = "[\"61737.63\",\"0.001\"],".repeat(400); // ~8 KB of book levels
      byte[] book = ("{\"data_type\":\"orderbook\",\"bids\":[" + levels + "[\"1\",\"1\"]]}")
          .getBytes(StandardCharsets.UTF_8);
      for (int i = 0; i < 2_000; i++) {
        bus.publish("orderbook.okx.spot.BTC-USDT", "id" + i, book);
      }
      await(() -> bounded.clients() == 0);
      double taken = meters.get("marketprism_stream_messages_total").counter().count() * book.length;
      // its 64 KB queue, as much again while full, and what the small socket buffers hold
      assertThat(taken).as("bytes taken for a client that reads nothing").isLessThan(1024 * 1024);
      assertThat(meters.get("marketprism_stream_slow_clients_total").counter().count()).isEqualTo(1.0);
    }
  }

  /**
   * A client gone without a word (its host lost, a network cut: no FIN ever comes) on a quiet
   * pattern: nothing is written to it, so no write fails and no queue fills. It was counted
   * against max_clients, and kept its patterns, for ever. Now it is pinged and, silent for two
   * intervals, closed.
   */
  @Test
  void aClientThatAnswersNoPingIsForgotten() throws Exception {
    LiveStream pinging = new LiveStream(bus, new StreamOptions(true, 10, 5, 64 * 1024, 1000, 1000, 1024 * 1024, 10_000, 64 * 1024,
        256 * 1024, 200), new SimpleMeterRegistry());
    HttpServer server = vertx.createHttpServer().webSocketHandler(pinging::accept).listen(0, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
    // a Vert.x client answers pings by itself: it stays, however quiet its pattern
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket alive = wsClient.connect(new WebSocketConnectOptions().setPort(server.actualPort()).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    alive.textMessageHandler(frames::add);
    alive.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"liquidation.>\"]}");
    try (RawStreamClient gone = new RawStreamClient(server.actualPort(), "liquidation.>")) {
      await(() -> pinging.clients() == 2);
      // it reads nothing more and answers nothing, as a peer that is gone
      Thread.sleep(1500);
      assertThat(pinging.clients()).as("the silent client is forgotten, the other stays").isEqualTo(1);
      assertThat(alive.isClosed()).isFalse();
      publish("liquidation.okx.perpetual.BTC-USDT", 1);
      await(() -> frames.size() == 2);
    }
  }

  @Test
  void clientsWhoseSocketClosedBeforeTheirCloseHandlerRanDoNotCostTheOthersARecord() throws Exception {
    LiveStream wide = new LiveStream(bus, new StreamOptions(true, 100, 5, 64 * 1024, 1000, 1000, 1024 * 1024, 10_000, 64 * 1024, 256 * 1024, 30_000),
        new SimpleMeterRegistry());
    HttpServer server = vertx.createHttpServer().webSocketHandler(wide::accept).listen(0, "127.0.0.1")
        .await(5, TimeUnit.SECONDS);
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(server.actualPort()).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 1);
    // sockets that closed under the stream: Vert.x throws on their next write before their close
    // handler has run; many of them, so that some come before the open client in the fan-out
    for (int i = 0; i < 60; i++) {
      acceptClosedUnderTheStream(wide);
    }
    await(() -> wide.clients() == 61);
    for (int n = 1; n <= 3; n++) {
      publish("trade.binance.spot.BTC-USDT", n);
    }
    await(() -> frames.size() == 4);
    assertThat(wide.clients()).as("the closed ones are forgotten").isEqualTo(1);
  }

  /** Accepts a socket, subscribed to every trade, whose writes then fail as a closed socket's do. */
  private static void acceptClosedUnderTheStream(LiveStream stream) {
    AtomicReference<io.vertx.core.Handler<String>> onText = new AtomicReference<>();
    AtomicReference<Boolean> subscribed = new AtomicReference<>(false);
    io.vertx.core.http.ServerWebSocket ws = (io.vertx.core.http.ServerWebSocket) java.lang.reflect.Proxy.newProxyInstance(
        LiveStreamTest.class.getClassLoader(), new Class<?>[] {io.vertx.core.http.ServerWebSocket.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "textMessageHandler" -> {
            @SuppressWarnings("unchecked")
            io.vertx.core.Handler<String> h = (io.vertx.core.Handler<String>) args[0];
            onText.set(h);
            yield proxy;
          }
          case "writeQueueFull" -> {
            if (subscribed.get()) {
              throw new IllegalStateException("WebSocket is closed");
            }
            yield false;
          }
          case "isClosed" -> false;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          case "toString" -> "closed socket";
          case "writeTextMessage", "close" -> io.vertx.core.Future.succeededFuture();
          default -> method.getReturnType().isInstance(proxy) ? proxy : null;
        });
    stream.accept(ws);
    onText.get().handle("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    subscribed.set(true);
  }
}
