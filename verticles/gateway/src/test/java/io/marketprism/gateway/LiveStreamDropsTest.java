package io.marketprism.gateway;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.NatsServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.marketprism.gateway.GatewayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway whose event loop falls behind its bus subscription by more than {@code
 * bus.*.live_max_pending_bytes}: the subscription drops records for all its clients, and those
 * clients are told, once the loop caught up, how many and when; the drops are in its metrics and
 * health. They were counted in the subscription's stats and logged, and nothing else.
 */
class LiveStreamDropsTest {

  private static final long BOUND = 1L << 20;
  private static final int RECORD_BYTES = 1_000;
  private static final int SENT = 4_000; // 4 MB over a 1 MiB bound
  private static final String TRADE = "trade.binance.spot.BTC-USDT";

  private final Vertx vertx = Vertx.vertx();
  private NatsServer nats;
  private GatewayHarness h;
  private WebSocketClient wsClient;

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
    if (nats != null) {
      nats.close();
    }
  }

  @Test
  void embeddedClientsOfTheDroppedSubjectsAreToldOnceHowManyAndWhen() throws Exception {
    JsonObject bus = new JsonObject().put("eventbus", new JsonObject().put("live_max_pending_bytes", BOUND));
    RecordBus publisher = startGateway(bus);
    clientsAreToldOfTheDrops((subject, json) -> publisher.publish(subject, subject + json.length, json), () -> { });
  }

  @Test
  void natsClientsOfTheDroppedSubjectsAreToldOnceHowManyAndWhen() throws Exception {
    nats = NatsServer.start();
    JsonObject bus = new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
        .put("connect_timeout_ms", 500).put("live_max_pending_bytes", BOUND));
    startGateway(bus);
    try (io.nats.client.Connection raw = io.nats.client.Nats.connect(nats.url())) {
      clientsAreToldOfTheDrops(raw::publish, () -> raw.flush(java.time.Duration.ofSeconds(10)));
    }
  }

  private RecordBus startGateway(JsonObject bus) throws Exception {
    h = new GatewayHarness(vertx, new JsonObject());
    h.config.put("bus", bus);
    h.start();
    wsClient = vertx.createWebSocketClient();
    RecordBus publisher = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", bus)));
    publisher.start().await(20, TimeUnit.SECONDS);
    return publisher;
  }

  @FunctionalInterface
  interface Publish {
    void publish(String subject, byte[] json) throws Exception;
  }

  @FunctionalInterface
  interface Flush {
    void flush() throws Exception;
  }

  private void clientsAreToldOfTheDrops(Publish publish, Flush flush) throws Exception {
    List<String> trades = new CopyOnWriteArrayList<>();
    List<String> klines = new CopyOnWriteArrayList<>();
    subscribe(trades, "trade.>");
    subscribe(klines, "kline.>");

    CountDownLatch release = new CountDownLatch(1);
    long before = System.currentTimeMillis();
    h.blockLoop(release);
    try {
      for (int i = 0; i < SENT; i++) { // while the gateway's loop is stuck
        publish.publish(TRADE, numbered(i));
      }
      flush.flush();
      Thread.sleep(500); // the bus hands them to the gateway's subscription, which holds or drops each
    } finally {
      release.countDown();
    }
    long after = System.currentTimeMillis();

    // every record published reaches the client or is told dropped
    await(() -> received(trades) + dropped(trades) == SENT);
    List<JsonObject> notices = notices(trades);
    assertThat(notices).as("one notice, not one per drop").hasSize(1);
    JsonObject notice = notices.get(0);
    long dropped = notice.getLong("dropped");
    assertThat(dropped).as("at most the bound was held").isGreaterThanOrEqualTo(SENT - BOUND / RECORD_BYTES);
    assertThat(notice.getLong("from_ms")).isBetween(before, after);
    assertThat(notice.getLong("to_ms")).isBetween(notice.getLong("from_ms"), after);
    assertThat(notice.getString("message")).contains("dropped " + dropped + " records");
    // the notice comes once the gateway handled what it held: after the records kept
    assertThat(indexOfNotice(trades)).as("after the %d records kept", SENT - dropped).isEqualTo(trades.size() - 1);

    // a client whose patterns match none of the dropped subjects is not told
    publish.publish("kline.binance.spot.BTC-USDT", numbered(-1));
    flush.flush();
    await(() -> received(klines) == 1);
    assertThat(notices(klines)).isEmpty();

    long total = dropped;
    await(() -> metrics().contains("marketprism_stream_dropped_total " + total + ".0"));
    JsonObject stream = streamCheck(h.get("/health").bodyAsJsonObject());
    assertThat(stream.getLong("dropped")).isEqualTo(dropped);
    assertThat(stream.getInteger("clients")).isEqualTo(2);
  }

  private String metrics() {
    try {
      return h.get("/metrics").bodyAsString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void subscribe(List<String> frames, String pattern) throws Exception {
    WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"" + pattern + "\"]}");
    await(() -> frames.size() == 1);
    assertThat(frames.get(0)).contains("\"subscribed\"");
    frames.clear();
  }

  /** A JSON record of {@value #RECORD_BYTES} bytes numbered {@code i}. */
  private static byte[] numbered(int i) {
    String head = "{\"data_type\":\"trade\",\"n\":" + i + ",\"pad\":\"";
    return (head + "x".repeat(RECORD_BYTES - head.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  private static List<JsonObject> notices(List<String> frames) {
    return frames.stream().map(JsonObject::new).filter(f -> "notice".equals(f.getString("op"))).toList();
  }

  private static int indexOfNotice(List<String> frames) {
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i).contains("\"op\":\"notice\"")) {
        return i;
      }
    }
    return -1;
  }

  private static long received(List<String> frames) {
    return frames.stream().filter(f -> f.startsWith("{\"data_type\"")).count();
  }

  private static long dropped(List<String> frames) {
    return notices(frames).stream().mapToLong(n -> n.getLong("dropped", 0L)).sum();
  }

  /** The data of the gateway's own {@code stream} check. */
  private static JsonObject streamCheck(JsonObject health) {
    JsonArray checks = health.getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if ("stream".equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i).getJsonObject("data");
      }
    }
    throw new AssertionError("no stream check in " + health.encode());
  }
}
