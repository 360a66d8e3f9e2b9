package io.marketprism.gateway;

import io.marketprism.testkit.ClusterKeystore;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With {@code cluster.tls} a service's port speaks HTTPS only, and the gateway reaches it over
 * HTTPS for its requests, its proxied WebSockets and its health checks, while its own port stays
 * plain for the users.
 */
class ClusterTlsRoutingTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void requestsWebSocketsAndHealthReachTheServiceOverHttps() throws Exception {
    Path keystore = ClusterKeystore.create(dir.resolve("cluster.p12"), "cluster-pw");
    GatewayHarness h = new GatewayHarness(vertx, new JsonObject());
    h.config.put("cluster", new JsonObject().put("tls", new JsonObject().put("keystore", keystore.toString())
        .put("password", "cluster-pw")));
    h.start();
    FakeBackend backend = h.backend("storage", "a");
    h.awaitInstances("storage", 1);

    assertThatThrownBy(() -> h.web.get(backend.actualPort(), "127.0.0.1", "/api/v1/storage/x").send()
        .await(5, TimeUnit.SECONDS)).as("the service's port takes no plain HTTP").isNotNull();

    var r = h.web.get(h.port(), "127.0.0.1", "/api/v1/storage/x").send().await(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("X-Backend")).isEqualTo("a");

    List<String> frames = new CopyOnWriteArrayList<>();
    WebSocket ws = vertx.createWebSocketClient().connect(new WebSocketConnectOptions().setPort(h.port())
        .setHost("127.0.0.1").setURI("/ws/v1/echo")).await(10, TimeUnit.SECONDS);
    ws.textMessageHandler(frames::add);
    ws.writeTextMessage("hello");
    GatewayHarness.await(() -> !frames.isEmpty());
    assertThat(frames).containsExactly("a:hello");

    JsonObject health = h.web.get(h.port(), "127.0.0.1", "/health").send().await(10, TimeUnit.SECONDS)
        .bodyAsJsonObject();
    assertThat(health.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").startsWith("storage@")).toList())
        .singleElement().satisfies(c -> assertThat(c.getString("status")).as(c.encode()).isEqualTo("UP"));
  }
}
