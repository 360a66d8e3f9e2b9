package io.marketprism.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.marketprism.testkit.NatsServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The broker against a real nats-server: it creates the configured streams at start and shows
 * them; while NATS is away (stopped, or hung) its health and the streams route say so, naming the
 * server; when NATS is back, both recover.
 */
class BrokerVerticleTest {

  @Test
  void createsAndShowsTheStreamsAndNamesNatsWhileItIsAway() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NatsServer nats = NatsServer.start()) {
      JsonObject config = new JsonObject()
          .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())))
          .put("broker", new JsonObject().put("http", new JsonObject().put("port", 0)));
      BrokerVerticle broker = new BrokerVerticle();
      vertx.deployVerticle(broker, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
      WebClient http = WebClient.create(vertx);

      HttpResponse<Buffer> streams = get(http, broker, "/api/v1/broker/streams");
      assertThat(streams.statusCode()).as(streams.bodyAsString()).isEqualTo(200);
      JsonObject marketData = streams.bodyAsJsonObject().getJsonArray("streams").getJsonObject(0);
      assertThat(marketData.encode()).contains("MARKET_DATA", "trade.>", "liquidation.>");
      assertThat(health(http, broker).getString("status")).isEqualTo("UP");

      nats.stop();
      long deadline = System.currentTimeMillis() + 15_000;
      while ("UP".equals(health(http, broker).getString("status")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      JsonObject down = health(http, broker);
      assertThat(down.getString("status")).isEqualTo("DOWN");
      assertThat(down.encode()).contains(nats.url());
      HttpResponse<Buffer> away = get(http, broker, "/api/v1/broker/streams");
      assertThat(away.statusCode()).isEqualTo(503);
      assertThat(away.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("NATS at " + nats.url());

      nats.restart();
      deadline = System.currentTimeMillis() + 30_000;
      while (get(http, broker, "/api/v1/broker/streams").statusCode() != 200 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertThat(get(http, broker, "/api/v1/broker/streams").bodyAsString()).contains("MARKET_DATA");
      assertThat(health(http, broker).getString("status")).isEqualTo("UP");

      // a server that hangs rather than goes away: noticed by the pings within seconds
      nats.freeze();
      try {
        deadline = System.currentTimeMillis() + 25_000;
        while ("UP".equals(health(http, broker).getString("status")) && System.currentTimeMillis() < deadline) {
          Thread.sleep(200);
        }
        assertThat(health(http, broker).getString("status")).isEqualTo("DOWN");
      } finally {
        nats.thaw();
      }
      deadline = System.currentTimeMillis() + 30_000;
      while (!"UP".equals(health(http, broker).getString("status")) && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertThat(health(http, broker).getString("status")).isEqualTo("UP");
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * NATS down when the broker starts (a machine booting, NATS slower to come up): the broker
   * starts anyway, says NATS is away in its health and {@code streams}, and creates the streams
   * once NATS is there. Its start failed, and with it every service of a {@code run} node, the
   * collector that would have buffered meanwhile included.
   */
  @Test
  void startsWhileNatsIsAwayAndCreatesTheStreamsWhenItComes() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (NatsServer nats = NatsServer.start()) {
      nats.stop();
      JsonObject config = new JsonObject()
          .put("bus", new JsonObject().put("type", "nats").put("nats", new JsonObject().put("url", nats.url())
              .put("connect_timeout_ms", 500).put("reconnect_wait_ms", 100)))
          .put("broker", new JsonObject().put("http", new JsonObject().put("port", 0)));
      BrokerVerticle broker = new BrokerVerticle();
      vertx.deployVerticle(broker, new DeploymentOptions().setConfig(config)).await(30, TimeUnit.SECONDS);
      WebClient http = WebClient.create(vertx);
      JsonObject down = health(http, broker);
      assertThat(down.getString("status")).isEqualTo("DOWN");
      assertThat(down.encode()).contains(nats.url());
      assertThat(get(http, broker, "/api/v1/broker/streams").statusCode()).isEqualTo(503);

      nats.restart();
      long deadline = System.currentTimeMillis() + 30_000;
      while (get(http, broker, "/api/v1/broker/streams").statusCode() != 200 && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      JsonObject marketData = get(http, broker, "/api/v1/broker/streams").bodyAsJsonObject().getJsonArray("streams")
          .getJsonObject(0);
      assertThat(marketData.getString("name")).isEqualTo("MARKET_DATA");
      assertThat(marketData.getBoolean("exists")).isTrue();
      assertThat(health(http, broker).getString("status")).isEqualTo("UP");
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static HttpResponse<Buffer> get(WebClient http, BrokerVerticle broker, String uri) throws Exception {
    return http.get(broker.actualPort(), "127.0.0.1", uri).send().await(10, TimeUnit.SECONDS);
  }

  private static JsonObject health(WebClient http, BrokerVerticle broker) throws Exception {
    return get(http, broker, "/health").bodyAsJsonObject();
  }
}
