package io.marketprism.gateway;

import io.marketprism.platform.Platform;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Starts gateways and backends on one Vert.x instance for a test, on ephemeral ports. */
final class GatewayHarness {

  final Vertx vertx;
  final JsonObject config;
  final WebClient web;
  GatewayVerticle gateway;

  GatewayHarness(Vertx vertx, JsonObject gatewayOverrides) {
    this.vertx = vertx;
    this.config = baseConfig();
    config.getJsonObject("gateway").mergeIn(gatewayOverrides, true);
    this.web = WebClient.create(vertx);
  }

  /**
   * Waits up to 10 s for a condition, then asserts it.
   *
   * @param cond what the test waits for
   * @throws InterruptedException when interrupted
   */
  static void await(BooleanSupplier cond) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!cond.getAsBoolean() && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(cond.getAsBoolean()).isTrue();
  }

  /** A root config: gateway on a free loopback port, generous limits, short timeouts, no Redis. */
  static JsonObject baseConfig() {
    JsonObject gateway = new JsonObject().put("host", "127.0.0.1").put("port", 0)
        .put("backend_timeout_ms", 1000).put("connect_timeout_ms", 300)
        .put("breaker", new JsonObject().put("max_failures", 3).put("reset_timeout_ms", 60_000))
        .put("rate_limits", new JsonObject().put("enabled", false))
        .put("websocket", new JsonObject().put("routes", new JsonObject().put("/ws/v1/echo", "storage")))
        .put("health", new JsonObject().put("timeout_ms", 500))
        .put("auth", new JsonObject().put("jwt", new JsonObject().put("secret", "test-secret-0123456789abcdef")));
    JsonObject root = new JsonObject().put("gateway", gateway);
    for (String s : new String[] {"storage", "collector", "scheduler", "monitoring", "broker", "simulator"}) {
      root.put(s, new JsonObject().put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0)));
    }
    return root;
  }

  GatewayHarness start() throws Exception {
    Platform.of(vertx, config);
    gateway = new LoopGateway();
    vertx.deployVerticle(gateway, new DeploymentOptions().setConfig(config)).await(20, TimeUnit.SECONDS);
    return this;
  }

  /** Deploys one more gateway verticle on the same port (the gateway runs one per event loop). */
  GatewayHarness startAnother() throws Exception {
    vertx.deployVerticle(new GatewayVerticle(), new DeploymentOptions().setConfig(config)).await(20, TimeUnit.SECONDS);
    return this;
  }

  FakeBackend backend(String service, String name) throws Exception {
    FakeBackend b = new FakeBackend(service, name);
    vertx.deployVerticle(b, new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    return b;
  }

  /** Publishes an instance that nothing listens on (connections are refused). */
  void deadInstance(String service, int port) throws Exception {
    Platform.of(vertx, config).registry().publishHttp(service, "127.0.0.1", port, null).await(5, TimeUnit.SECONDS);
  }

  /** A gateway verticle that lets a test reach its context: to keep its event loop busy, say. */
  static final class LoopGateway extends GatewayVerticle {
    io.vertx.core.Context loop() {
      return context;
    }
  }

  /**
   * Keeps the first gateway verticle's event loop busy until {@code release} is counted down (at
   * most 60 s), as a gateway far behind is.
   */
  void blockLoop(java.util.concurrent.CountDownLatch release) throws InterruptedException {
    java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
    ((LoopGateway) gateway).loop().runOnContext(v -> {
      stuck.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertThat(stuck.await(10, TimeUnit.SECONDS)).isTrue();
  }

  int port() {
    return gateway.actualPort();
  }

  HttpResponse<Buffer> get(String uri) throws Exception {
    return web.get(port(), "127.0.0.1", uri).send().await(10, TimeUnit.SECONDS);
  }

  /** Waits until the gateway routes to {@code n} instances of {@code service}. */
  void awaitInstances(String service, int n) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < deadline) {
      JsonObject s = get("/api/v1/gateway/services").bodyAsJsonObject().getJsonObject("services");
      JsonObject svc = s.getJsonObject(service);
      JsonArray instances = svc == null ? new JsonArray() : svc.getJsonArray("instances");
      if (instances.size() == n) {
        return;
      }
      sleep(20);
    }
    throw new AssertionError("the gateway never saw " + n + " instances of " + service);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
