package io.marketprism.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.marketprism.testkit.NatsServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stream's settings changed in {@code bus.streams} and the broker started again, against a real
 * nats-server: what NATS can change in place is changed and {@code /api/v1/broker/streams} shows
 * it; what it cannot (the storage type) fails the start with a message that names the stream, the
 * setting on the server and in the config, and what to do.
 */
class StreamUpdateTest {

  @Test
  void aRestartUpdatesTheStreamAndAnUpdateNatsRefusesIsNamedPlainly() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NatsServer nats = NatsServer.start()) {
      JsonObject first = streamsAfterStart(vertx, nats, stream("file", 24, -1, 120, "trade.>", "ticker.>"));
      assertThat(first.getJsonObject("config").getLong("max_age_ms")).isEqualTo(24 * 3_600_000L);

      JsonObject changed = streamsAfterStart(vertx, nats, stream("file", 48, 1_000_000, 60, "trade.>", "orderbook.>"));
      assertThat(changed.getJsonObject("config").getJsonArray("subjects")).containsExactly("trade.>", "orderbook.>");
      assertThat(changed.getJsonObject("config").getLong("max_age_ms")).isEqualTo(48 * 3_600_000L);
      assertThat(changed.getJsonObject("config").getLong("max_bytes")).isEqualTo(1_000_000L);
      assertThat(changed.getJsonObject("config").getLong("duplicate_window_ms")).isEqualTo(60_000L);

      assertThatThrownBy(() -> streamsAfterStart(vertx, nats, stream("memory", 48, 1_000_000, 60, "trade.>")))
          .hasMessageContaining("NATS refused to update stream MARKET_DATA")
          .hasMessageContaining("storage file on the server, memory in the config")
          .hasMessageContaining("can not change storage type")
          .hasMessageContaining("nats stream rm MARKET_DATA");
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * NATS away at the broker's start, and refusing the configured update once it is there: the
   * broker's health and {@code streams} say what NATS refused, not that NATS is not reachable.
   */
  @Test
  void anUpdateRefusedAfterALateConnectIsWhatHealthAndStreamsSay() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NatsServer nats = NatsServer.start()) {
      streamsAfterStart(vertx, nats, stream("file", 24, -1, 120, "trade.>"));
      nats.stop();
      JsonObject config = new JsonObject()
          .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
              .put("connect_timeout_ms", 500).put("reconnect_wait_ms", 100))
              .put("streams", new JsonArray().add(stream("memory", 24, -1, 120, "trade.>"))))
          .put("broker", new JsonObject().put("http", new JsonObject().put("port", 0)));
      BrokerVerticle broker = new BrokerVerticle();
      vertx.deployVerticle(broker, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
      WebClient http = WebClient.create(vertx);
      nats.restart();
      long deadline = System.currentTimeMillis() + 30_000;
      String health;
      do {
        Thread.sleep(200);
        health = http.get(broker.actualPort(), "127.0.0.1", "/health").send().await(10, TimeUnit.SECONDS).bodyAsString();
      } while (!health.contains("refused") && System.currentTimeMillis() < deadline);
      assertThat(health).contains("NATS refused to update stream MARKET_DATA", "storage file on the server, memory in the config")
          .doesNotContain("not reachable");
      var streams = http.get(broker.actualPort(), "127.0.0.1", "/api/v1/broker/streams").send().await(10, TimeUnit.SECONDS);
      assertThat(streams.statusCode()).isEqualTo(503);
      assertThat(streams.bodyAsJsonObject().getJsonObject("error").getString("message"))
          .contains("NATS refused to update stream MARKET_DATA");
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * A server outside a cluster accepts a stream of three replicas and keeps one copy: the
   * streams route shows the copies kept beside the replicas asked for (it showed 3 alone).
   */
  @Test
  void replicasAServerOutsideAClusterCannotKeepAreShownAsTheCopiesKept() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NatsServer nats = NatsServer.start()) {
      JsonObject one = streamsAfterStart(vertx, nats, stream("file", 24, -1, 120, "trade.>"));
      assertThat(one.getJsonObject("config").getInteger("copies_kept")).isEqualTo(1);
      JsonObject three = streamsAfterStart(vertx, nats, stream("file", 24, -1, 120, "trade.>").put("replicas", 3));
      assertThat(three.getJsonObject("config").getInteger("replicas")).isEqualTo(3);
      assertThat(three.getJsonObject("config").getInteger("copies_kept")).isEqualTo(1);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static JsonObject stream(String storage, int hours, long bytes, int dupSeconds, String... subjects) {
    return new JsonObject().put("name", "MARKET_DATA").put("storage", storage).put("max_age_hours", hours)
        .put("max_bytes", bytes).put("duplicate_window_s", dupSeconds)
        .put("subjects", new JsonArray(List.of((Object[]) subjects)));
  }

  /** Starts a broker with the stream, reads its MARKET_DATA from {@code /api/v1/broker/streams}, stops it. */
  private static JsonObject streamsAfterStart(Vertx vertx, NatsServer nats, JsonObject stream) throws Exception {
    JsonObject config = new JsonObject()
        .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url()))
            .put("streams", new JsonArray().add(stream)))
        .put("broker", new JsonObject().put("http", new JsonObject().put("port", 0)));
    BrokerVerticle broker = new BrokerVerticle();
    String id = vertx.deployVerticle(broker, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
    try {
      return WebClient.create(vertx).get(broker.actualPort(), "127.0.0.1", "/api/v1/broker/streams").send()
          .await(10, TimeUnit.SECONDS).bodyAsJsonObject().getJsonArray("streams").getJsonObject(0);
    } finally {
      vertx.undeploy(id).await(30, TimeUnit.SECONDS);
    }
  }
}
