package io.marketprism.app;

import io.marketprism.gateway.GatewayVerticle;
import io.marketprism.monitoring.MonitoringVerticle;
import io.marketprism.platform.Platform;
import io.marketprism.platform.discovery.ServiceInstance;
import io.marketprism.scheduler.SchedulerVerticle;
import io.marketprism.storage.StorageVerticle;
import io.marketprism.testkit.ClusterKeystore;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * With {@code cluster.tls} the services' own ports speak HTTPS with the cluster's certificate, and
 * every caller of them (the gateway's proxy and health, the scheduler's jobs, monitoring's polls)
 * reaches them over it; the gateway's port stays the users' plain HTTP.
 */
class ClusterTlsServicesTest {

  private static final String ADMIN_KEY = "cluster-tls-admin-key";

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void everyCallerReachesTheServicesOverHttpsAndTheGatewayStaysPlain() throws Exception {
    Path keystore = ClusterKeystore.create(dir.resolve("cluster.p12"), "cluster-pw");
    JsonObject http0 = new JsonObject().put("http", new JsonObject().put("port", 0));
    JsonObject root = new JsonObject()
        .put("cluster", new JsonObject().put("tls", new JsonObject().put("keystore", keystore.toString())
            .put("password", "cluster-pw")))
        .put("bus", new JsonObject().put("type", "eventbus"))
        .put("storage", http0.copy()
            .put("hot", new JsonObject().put("type", "duckdb").put("path", dir.resolve("hot.duckdb").toString()))
            .put("cold", new JsonObject().put("path", dir.resolve("cold").toString()))
            .put("archive", new JsonObject().put("interval_minutes", 0)))
        .put("scheduler", http0.copy().put("jobs", new JsonObject().put("archive", new JsonObject().put("every", "1h")
            .put("service", "storage").put("method", "post").put("path", "/api/v1/storage/archive")
            .put("body", new JsonObject()).put("timeout", "1m"))))
        .put("monitoring", http0.copy().put("poll_interval_ms", 200))
        .put("gateway", new JsonObject().put("port", 0).put("host", "127.0.0.1").put("instances", 1)
            .put("auth", new JsonObject().put("api_keys", new JsonArray().add(new JsonObject().put("name", "ops")
                .put("sha256", sha256(ADMIN_KEY)).put("roles", new JsonArray().add("admin"))))));
    DeploymentOptions config = new DeploymentOptions().setConfig(root);
    vertx.deployVerticle(new StorageVerticle(), config).await(60, TimeUnit.SECONDS);
    vertx.deployVerticle(new SchedulerVerticle(), config).await(60, TimeUnit.SECONDS);
    vertx.deployVerticle(new MonitoringVerticle(), config).await(60, TimeUnit.SECONDS);
    GatewayVerticle gateway = new GatewayVerticle();
    vertx.deployVerticle(gateway, config).await(60, TimeUnit.SECONDS);

    var directory = Platform.of(vertx, root).directory().await(10, TimeUnit.SECONDS);
    ServiceInstance storage = directory.instances("storage").get(0);
    assertThat(storage.ssl()).isTrue();
    assertThat(storage.baseUrl()).startsWith("https://");
    assertThat(directory.instances("gateway").get(0).ssl()).isFalse();

    WebClient plain = WebClient.create(vertx);
    // the storage's port refuses plain HTTP, and a client that does not trust the cluster's certificate
    assertThatThrownBy(() -> plain.get(storage.port(), storage.host(), "/health").send().await(10, TimeUnit.SECONDS))
        .isNotNull();
    assertThatThrownBy(() -> plain.get(storage.port(), storage.host(), "/health").ssl(true).send()
        .await(10, TimeUnit.SECONDS)).isNotNull();
    WebClient cluster = WebClient.create(vertx, new WebClientOptions().setVerifyHost(false)
        .setTrustOptions(new PfxOptions().setPath(keystore.toString()).setPassword("cluster-pw")));
    assertThat(cluster.get(storage.port(), storage.host(), "/health").ssl(true).send()
        .await(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

    int port = gateway.actualPort();
    // the gateway proxies to the storage over HTTPS
    HttpResponse<?> stats = plain.get(port, "127.0.0.1", "/api/v1/storage/stats").send().await(20, TimeUnit.SECONDS);
    assertThat(stats.statusCode()).as(stats.bodyAsString()).isEqualTo(200);
    // its health asks every instance over HTTPS
    JsonObject health = plain.get(port, "127.0.0.1", "/health").send().await(20, TimeUnit.SECONDS).bodyAsJsonObject();
    List<JsonObject> instances = health.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("id").contains("@")).toList();
    assertThat(instances).extracting(c -> c.getString("id").split("@")[0])
        .contains("storage", "scheduler", "monitoring");
    assertThat(instances).allSatisfy(c -> assertThat(c.getString("status")).as(c.encode()).isEqualTo("UP"));
    // the scheduler's job calls the storage over HTTPS (reached through the gateway, over HTTPS too)
    HttpResponse<?> run = plain.post(port, "127.0.0.1", "/api/v1/scheduler/jobs/archive/run")
        .putHeader("X-API-Key", ADMIN_KEY).send().await(60, TimeUnit.SECONDS);
    assertThat(run.statusCode()).as(run.bodyAsString()).isEqualTo(200);
    assertThat(run.bodyAsJsonObject().getString("status")).as(run.bodyAsString()).isEqualTo("succeeded");
    // monitoring polls every instance's health over HTTPS
    long deadline = System.currentTimeMillis() + 20_000;
    JsonObject overview;
    do {
      Thread.sleep(200);
      overview = plain.get(port, "127.0.0.1", "/api/v1/monitoring/overview").send().await(20, TimeUnit.SECONDS)
          .bodyAsJsonObject();
    } while (!allUp(overview) && System.currentTimeMillis() < deadline);
    assertThat(allUp(overview)).as(overview.encodePrettily()).isTrue();
  }

  /** Whether monitoring saw the storage, the scheduler and the gateway, and every instance it polls UP. */
  private static boolean allUp(JsonObject overview) {
    JsonObject services = overview.getJsonObject("services");
    return services.containsKey("storage") && services.containsKey("scheduler") && services.containsKey("gateway")
        && services.stream().flatMap(e -> ((JsonArray) e.getValue()).stream())
            .allMatch(i -> "UP".equals(((JsonObject) i).getString("status")));
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
