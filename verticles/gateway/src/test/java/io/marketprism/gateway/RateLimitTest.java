package io.marketprism.gateway;

import io.marketprism.platform.auth.ApiKey;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.marketprism.gateway.RoutingTest.assertErrorJson;
import static org.assertj.core.api.Assertions.assertThat;

class RateLimitTest {

  private Vertx vertx;
  private GatewayHarness h;

  static JsonObject limits(int capacity, double refill) {
    return new JsonObject().put("rate_limits", new JsonObject().put("enabled", true).put("classes", new JsonObject()
        .put("default", new JsonObject().put("capacity", capacity).put("refill_per_second", refill))
        .put("storage", new JsonObject().put("capacity", 2).put("refill_per_second", refill)
            .put("prefixes", new JsonArray().add("/api/v1/storage")))));
  }

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    JsonObject cfg = limits(3, 0.01).put("auth", new JsonObject()
        .put("jwt", new JsonObject().put("secret", AuthTest.SECRET))
        .put("api_keys", new JsonArray().add(new JsonObject().put("name", "k1")
            .put("sha256", ApiKey.sha256Hex("key-one-abc")).put("roles", new JsonArray()))));
    h = new GatewayHarness(vertx, cfg).start();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void overTheLimitIs429WithRetryAfterAndLimitHeaders() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> r = h.get("/api/v1/gateway/services");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("X-RateLimit-Limit")).isEqualTo("3");
      assertThat(r.getHeader("X-RateLimit-Remaining")).isEqualTo(String.valueOf(2 - i));
    }
    HttpResponse<Buffer> refused = h.get("/api/v1/gateway/services");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertErrorJson(refused, "rate_limited");
    assertThat(refused.getHeader("X-RateLimit-Limit")).isEqualTo("3");
    assertThat(refused.getHeader("X-RateLimit-Remaining")).isEqualTo("0");
    assertThat(Long.parseLong(refused.getHeader("Retry-After"))).isBetween(1L, 100L);

    // another client (an API key) has its own bucket; health and metrics are not limited
    HttpResponse<Buffer> keyed = h.web.get(h.port(), "127.0.0.1", "/api/v1/gateway/services")
        .putHeader("X-API-Key", "key-one-abc").send().await(5, TimeUnit.SECONDS);
    assertThat(keyed.statusCode()).isEqualTo(200);
    assertThat(keyed.getHeader("X-RateLimit-Remaining")).isEqualTo("2");
    assertThat(h.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(h.get("/metrics").bodyAsString()).contains("mp_gateway_rate_limited_requests_total{class=\"default\"} 1.0");
  }

  @Test
  void routeClassesHaveTheirOwnBuckets() throws Exception {
    // storage class: capacity 2, even though no storage instance runs (limits come before routing)
    assertThat(h.get("/api/v1/storage/trade").getHeader("X-RateLimit-Limit")).isEqualTo("2");
    assertThat(h.get("/api/v1/storage/trade").statusCode()).isEqualTo(503);
    assertThat(h.get("/api/v1/storage/trade").statusCode()).isEqualTo(429);
    assertThat(h.get("/api/v1/gateway/services").statusCode()).isEqualTo(200);
  }

  @Test
  void unknownKeysAreLimitedByAddressSoGuessingCostsTheGuesser() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(h.web.get(h.port(), "127.0.0.1", "/api/v1/gateway/services").putHeader("X-API-Key", "guess-" + i)
          .send().await(5, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
    }
    assertThat(h.get("/api/v1/gateway/services").statusCode()).isEqualTo(429);
  }
}
