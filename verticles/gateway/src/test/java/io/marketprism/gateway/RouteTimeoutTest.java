package io.marketprism.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.marketprism.gateway.RoutingTest.assertErrorJson;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gateway.route_timeouts}: a route that works longer than the backend timeout (the
 * archive) is answered when its backend is done, and its breaker does not count the wait.
 */
class RouteTimeoutTest {

  private Vertx vertx;
  private GatewayHarness h;
  private FakeBackend storage;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    // backend_timeout_ms is 1000 and max_failures 3 (GatewayHarness.baseConfig)
    JsonObject overrides = AuthTest.authConfig(false).put("route_timeouts", new JsonArray()
        .add(new JsonObject().put("prefix", "/api/v1/storage/archive").put("timeout_ms", 4000)));
    h = new GatewayHarness(vertx, overrides).start();
    storage = h.backend("storage", "s");
    h.awaitInstances("storage", 1);
    storage.mode = FakeBackend.Mode.SLOW;
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Future<HttpResponse<Buffer>> archive() {
    return h.web.post(h.port(), "127.0.0.1", "/api/v1/storage/archive").putHeader("X-API-Key", AuthTest.ADMIN_KEY)
        .sendJsonObject(new JsonObject().put("before", "2024-01-02"));
  }

  @Test
  void aSlowArchiveIsAnsweredWhenDoneAndItsBreakerStaysClosed() throws Exception {
    storage.slowMs = 1800;
    long t0 = System.nanoTime();
    List<Future<HttpResponse<Buffer>>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) { // more than max_failures, had the waits counted
      calls.add(archive());
    }
    for (Future<HttpResponse<Buffer>> c : calls) {
      HttpResponse<Buffer> r = c.await(10, TimeUnit.SECONDS);
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getString("body")).contains("2024-01-02");
    }
    assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(1800);
    JsonObject instance = h.get("/api/v1/gateway/services").bodyAsJsonObject().getJsonObject("services")
        .getJsonObject("storage").getJsonArray("instances").getJsonObject(0);
    assertThat(instance.getString("breaker")).isEqualTo("closed");
    assertThat(h.get("/metrics").bodyAsString())
        .contains("mp_gateway_failed_requests_total{reason=\"timeout\",service=\"storage\"} 0.0");

    // other routes keep backend_timeout_ms
    long t1 = System.nanoTime();
    HttpResponse<Buffer> read = h.get("/api/v1/storage/trade");
    assertThat(read.statusCode()).isEqualTo(504);
    assertThat((System.nanoTime() - t1) / 1_000_000).isBetween(900L, 1700L);
    assertThat(read.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("within 1000 ms");
  }

  @Test
  void anArchiveSlowerThanItsRouteTimeoutIs504AtThatTimeout() throws Exception {
    storage.slowMs = 8000;
    long t0 = System.nanoTime();
    HttpResponse<Buffer> r = archive().await(10, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(504);
    assertErrorJson(r, "backend_timeout");
    assertThat(r.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("within 4000 ms");
    assertThat(ms).isBetween(3900L, 5000L);
  }
}
