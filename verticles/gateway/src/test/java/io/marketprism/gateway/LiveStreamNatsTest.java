package io.marketprism.gateway;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.testkit.NatsServer;
import io.vertx.core.Vertx;
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

import static io.marketprism.gateway.GatewayHarness.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The live stream of a gateway in server mode: fed by its subscription on a real nats-server. */
class LiveStreamNatsTest {

  private final Vertx vertx = Vertx.vertx();
  private NatsServer nats;
  private GatewayHarness h;
  private RecordBus publisher;
  private WebSocketClient wsClient;

  @BeforeEach
  void setUp() throws Exception {
    nats = NatsServer.start();
    JsonObject bus = new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
        .put("connect_timeout_ms", 500).put("reconnect_wait_ms", 50));
    h = new GatewayHarness(vertx, new JsonObject());
    h.config.put("bus", bus);
    h.start();
    publisher = RecordBus.create(vertx, BusOptions.from(new JsonObject().put("bus", bus)));
    publisher.start().await(20, TimeUnit.SECONDS);
    wsClient = vertx.createWebSocketClient();
  }

  @AfterEach
  void tearDown() throws Exception {
    publisher.close().await(20, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
    nats.close();
  }

  /** A stream client whose frames go to {@code frames} from the first (one may come before it sends anything). */
  private WebSocket connect(List<String> frames) throws Exception {
    return wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
        .setURI("/ws/v1/stream")).onSuccess(ws -> ws.textMessageHandler(frames::add)).await(5, TimeUnit.SECONDS);
  }

  private void publish(String subject, int n) throws Exception {
    publisher.publish(subject, subject + ":" + n, ("{\"data_type\":\"trade\",\"n\":" + n + "}")
        .getBytes(StandardCharsets.UTF_8)).await(20, TimeUnit.SECONDS);
  }

  private String metrics() {
    try {
      return h.get("/metrics").bodyAsString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The first client's subscribe makes the gateway's bus subscription: it was acknowledged before
   * that reached NATS, so a record published as soon as the client read {@code subscribed} was
   * sometimes lost (about one round in thirty here).
   */
  @Test
  void aRecordPublishedAsSoonAsTheSubscriptionIsAcknowledgedIsDelivered() throws Exception {
    try (io.nats.client.Connection raw = io.nats.client.Nats.connect(nats.url())) {
      for (int round = 0; round < 40; round++) {
        List<String> frames = new CopyOnWriteArrayList<>();
        WebSocket ws = wsClient.connect(new WebSocketConnectOptions().setPort(h.port()).setHost("127.0.0.1")
            .setURI("/ws/v1/stream")).await(5, TimeUnit.SECONDS);
        int n = round;
        ws.textMessageHandler(text -> {
          frames.add(text);
          if (text.contains("\"subscribed\"")) {
            raw.publish("trade.binance.spot.BTC-USDT", ("{\"data_type\":\"trade\",\"n\":" + n + "}")
                .getBytes(StandardCharsets.UTF_8));
          }
        });
        ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
        long deadline = System.currentTimeMillis() + 3_000;
        while (frames.size() < 2 && System.currentTimeMillis() < deadline) {
          Thread.sleep(5);
        }
        assertThat(frames).as("round " + round).hasSize(2);
        assertThat(new JsonObject(frames.get(1)).getInteger("n")).isEqualTo(round);
        ws.close().await(5, TimeUnit.SECONDS);
        // the last client gone, the gateway drops its bus subscription: the next round makes a new one
        await(() -> metrics().contains("marketprism_stream_clients 0.0"));
      }
    }
  }

  /** Subscriptions nats-server holds, from its monitoring port. */
  private long natsSubscriptions() throws Exception {
    return h.web.get(nats.monitorPort(), "127.0.0.1", "/subsz").send().await(5, TimeUnit.SECONDS).bodyAsJsonObject()
        .getLong("num_subscriptions");
  }

  /**
   * A client that unsubscribed every pattern but stays connected wants nothing: the gateway's
   * subscription to every record (one per data type on NATS) goes. It stayed until that client
   * disconnected, pulling the whole record flow from nats-server for nobody.
   */
  @Test
  void theBusSubscriptionGoesWhenNoClientHasAPatternLeft() throws Exception {
    long before = natsSubscriptions();
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\",\"orderbook.okx.*.*\"]}");
    await(() -> frames.size() == 1);
    assertThat(natsSubscriptions()).isGreaterThan(before);

    ws.writeTextMessage("{\"op\":\"unsubscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 2);
    Thread.sleep(200);
    assertThat(natsSubscriptions()).as("one pattern left: still subscribed").isGreaterThan(before);
    ws.writeTextMessage("{\"op\":\"unsubscribe\",\"subjects\":[\"orderbook.okx.*.*\"]}");
    await(() -> frames.size() == 3);
    assertThat(new JsonObject(frames.get(2)).getString("op")).isEqualTo("unsubscribed");
    long deadline = System.currentTimeMillis() + 5_000;
    while (natsSubscriptions() > before && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(natsSubscriptions()).as("nats-server's subscriptions once no pattern is left").isEqualTo(before);

    // subscribing again subscribes the bus again
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 4);
    publish("trade.binance.spot.BTC-USDT", 7);
    await(() -> frames.size() == 5);
    assertThat(new JsonObject(frames.get(4)).getInteger("n")).isEqualTo(7);
  }

  @Test
  void anOpenStreamReceivesRecordsAgainAfterNatsRestarts() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.*.spot.*\"]}");
    await(() -> frames.size() == 1);
    publish("trade.binance.spot.BTC-USDT", 1);
    await(() -> frames.size() == 2);

    nats.stop();
    await(() -> !publisher.connected());
    nats.restart();
    await(publisher::connected);
    // the gateway's connection comes back too (and with it its subscriptions): records flow again
    long deadline = System.currentTimeMillis() + 10_000;
    int n = 2;
    while (frames.size() == 2 && System.currentTimeMillis() < deadline) {
      publish("trade.okx.spot.ETH-USDT", n++);
      Thread.sleep(50);
    }
    assertThat(frames.size()).as("records after the restart").isGreaterThan(2);
    assertThat(ws.isClosed()).isFalse();
  }

  /**
   * While the gateway's NATS connection was down its clients heard silence, not told that records
   * were passing them by: they get a notice when it goes and one when it is back, with the times
   * between which records may be missing; one connecting meanwhile is told at once.
   */
  @Test
  void streamClientsAreToldWhenTheGatewaysBusGoesDownAndComesBack() throws Exception {
    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(frames);
    ws.writeTextMessage("{\"op\":\"subscribe\",\"subjects\":[\"trade.>\"]}");
    await(() -> frames.size() == 1);

    long beforeStop = System.currentTimeMillis();
    nats.stop();
    await(() -> frames.size() == 2);
    JsonObject down = new JsonObject(frames.get(1));
    assertThat(down.getString("op")).isEqualTo("notice");
    assertThat(down.getString("bus")).isEqualTo("down");
    assertThat(down.getLong("down_at_ms")).isGreaterThanOrEqualTo(beforeStop);
    assertThat(down.getString("message")).contains("may be missing");
    List<String> lateFrames = new CopyOnWriteArrayList<>();
    connect(lateFrames);
    await(() -> lateFrames.size() == 1);
    assertThat(new JsonObject(lateFrames.get(0)).getString("bus")).isEqualTo("down");

    nats.restart();
    await(() -> frames.size() == 3);
    JsonObject up = new JsonObject(frames.get(2));
    assertThat(up.getString("op")).isEqualTo("notice");
    assertThat(up.getString("bus")).isEqualTo("up");
    assertThat(up.getLong("down_at_ms")).isEqualTo(down.getLong("down_at_ms"));
    assertThat(up.getLong("up_at_ms")).isGreaterThanOrEqualTo(up.getLong("down_at_ms"));
    await(() -> lateFrames.size() == 2);
    assertThat(new JsonObject(lateFrames.get(1)).getString("bus")).isEqualTo("up");

    // records published once it is up reach the client
    await(publisher::connected);
    publish("trade.binance.spot.BTC-USDT", 9);
    await(() -> frames.size() == 4);
    assertThat(new JsonObject(frames.get(3)).getInteger("n")).isEqualTo(9);
  }
}
