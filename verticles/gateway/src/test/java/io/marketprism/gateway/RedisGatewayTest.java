package io.marketprism.gateway;

import io.marketprism.testkit.RedisServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two gateways (two Vert.x instances, nothing shared but Redis) against a private redis-server. */
class RedisGatewayTest {

  private RedisServer redis;
  private Vertx v1;
  private Vertx v2;

  @BeforeEach
  void setUp() {
    redis = RedisServer.start();
    v1 = Vertx.vertx();
    v2 = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    v1.close().await(10, TimeUnit.SECONDS);
    v2.close().await(10, TimeUnit.SECONDS);
    redis.close();
  }

  private JsonObject config(int capacity) {
    return RateLimitTest.limits(capacity, 0.01)
        .put("redis", new JsonObject().put("url", redis.url()).put("timeout_ms", 200).put("retry_ms", 300))
        .put("cache", new JsonObject().put("routes", new JsonArray()
            .add(new JsonObject().put("prefix", "/api/v1/storage/stats").put("ttl_ms", 60_000))));
  }

  @Test
  void limitHoldsAcrossTwoGatewaysAndFallsBackToLocalWhenRedisDies() throws Exception {
    GatewayHarness a = new GatewayHarness(v1, config(6)).start();
    GatewayHarness b = new GatewayHarness(v2, config(6)).start();
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      statuses.add(a.get("/api/v1/gateway/services").statusCode());
      statuses.add(b.get("/api/v1/gateway/services").statusCode());
    }
    // one shared bucket of 6 for this client: per-instance buckets would have let all 10 pass
    assertThat(statuses.stream().filter(s -> s == 200).count()).isEqualTo(6);
    assertThat(statuses.stream().filter(s -> s == 429).count()).isEqualTo(4);
    HttpResponse<Buffer> refused = b.get("/api/v1/gateway/services");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.getHeader("Retry-After")).isNotBlank();

    redis.kill();
    // Redis is gone: local buckets answer at once, never an error
    for (int i = 0; i < 4; i++) {
      long t0 = System.nanoTime();
      HttpResponse<Buffer> r = a.get("/api/v1/gateway/services");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.getHeader("X-RateLimit-Limit")).isEqualTo("6");
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
    }

    // Redis is back: after retry_ms the shared buckets are used again (the key reappears)
    redis.restart();
    GatewayHarness.sleep(400);
    Redis probe = Redis.createClient(v1, redis.url());
    long deadline = System.currentTimeMillis() + 5000;
    boolean shared = false;
    while (!shared && System.currentTimeMillis() < deadline) {
      a.get("/api/v1/gateway/services");
      shared = probe.send(Request.cmd(Command.EXISTS).arg("mp:gw:rl:default:ip:127.0.0.1"))
          .await(2, TimeUnit.SECONDS).toInteger() == 1;
      GatewayHarness.sleep(100);
    }
    assertThat(shared).isTrue();
    Long ttl = probe.send(Request.cmd(Command.PTTL).arg("mp:gw:rl:default:ip:127.0.0.1")).await(2, TimeUnit.SECONDS).toLong();
    assertThat(ttl).as("bucket keys expire").isPositive();
  }

  @Test
  void cacheIsSharedThroughRedis() throws Exception {
    GatewayHarness a = new GatewayHarness(v1, config(1000)).start();
    GatewayHarness b = new GatewayHarness(v2, config(1000)).start();
    FakeBackend sa = a.backend("storage", "sa");
    FakeBackend sb = b.backend("storage", "sb");
    a.awaitInstances("storage", 1);
    b.awaitInstances("storage", 1);

    HttpResponse<Buffer> first = a.get("/api/v1/storage/stats");
    assertThat(first.getHeader("X-Cache")).isEqualTo("MISS");
    GatewayHarness.sleep(200); // the entry is written to Redis after the response is sent
    HttpResponse<Buffer> second = b.get("/api/v1/storage/stats");
    assertThat(second.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(second.bodyAsString()).isEqualTo(first.bodyAsString());
    assertThat(second.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(sa.hits.get() + sb.hits.get()).isEqualTo(1);
  }
}
