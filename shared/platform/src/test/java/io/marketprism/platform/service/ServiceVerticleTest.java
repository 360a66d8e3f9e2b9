package io.marketprism.platform.service;

import io.marketprism.platform.Platform;
import io.marketprism.platform.auth.ApiKey;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.servicediscovery.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceVerticleTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static final class Echo extends ServiceVerticle {
    @Override
    public String serviceName() {
      return "echo";
    }

    @Override
    protected Future<?> startService(Router router) {
      eventBusAddress("echo-requests", "mp.echo");
      router.get("/api/v1/echo/boom").handler(ctx -> {
        throw new IllegalStateException("internal detail that must not leak");
      });
      router.post("/api/v1/echo/secret").handler(io.vertx.ext.web.handler.BodyHandler.create())
          .handler(ctx -> ctx.response().end(ctx.body().buffer()));
      return Future.succeededFuture();
    }
  }

  private List<Record> records() throws Exception {
    return Platform.of(vertx, new JsonObject()).registry().discovery().getRecords(r -> true, true)
        .await(5, TimeUnit.SECONDS);
  }

  @Test
  void publishesHttpAndEventBusRecordsWhileRunningAndAnswersTheCommonRoutes() throws Exception {
    JsonObject config = new JsonObject().put("echo", new JsonObject().put("http", new JsonObject().put("port", 0)));
    Echo echo = new Echo();
    String id = vertx.deployVerticle(echo, new DeploymentOptions().setConfig(config)).await(10, TimeUnit.SECONDS);
    assertThat(records()).extracting(Record::getType).containsExactlyInAnyOrder("http-endpoint", "message-source");
    assertThat(records()).filteredOn(r -> r.getType().equals("message-source"))
        .extracting(r -> r.getLocation().getString("endpoint")).containsExactly("mp.echo");

    WebClient web = WebClient.create(vertx);
    int port = echo.actualPort();
    HttpResponse<Buffer> health = web.get(port, "127.0.0.1", "/health").send().await(5, TimeUnit.SECONDS);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    assertThat(web.get(port, "127.0.0.1", "/metrics").send().await(5, TimeUnit.SECONDS).bodyAsString())
        .contains("jvm_memory_used_bytes");
    HttpResponse<Buffer> missing = web.get(port, "127.0.0.1", "/nope").send().await(5, TimeUnit.SECONDS);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.getHeader("X-Request-Id")).isNotBlank();
    assertThat(missing.bodyAsJsonObject().getJsonObject("error").getString("request_id"))
        .isEqualTo(missing.getHeader("X-Request-Id"));
    // its routes take no query parameters: a misspelt filter is refused, not ignored
    for (String uri : List.of("/api/v1/echo/boom?limt=5&b=1", "/health?verbose")) {
      HttpResponse<Buffer> queried = web.get(port, "127.0.0.1", uri).send().await(5, TimeUnit.SECONDS);
      assertThat(queried.statusCode()).as(uri).isEqualTo(400);
      assertThat(queried.bodyAsJsonObject().getJsonObject("error").getString("message")).as(uri)
          .matches("GET /\\S+ takes no query parameters; got (b, limt|verbose)");
    }
    HttpResponse<Buffer> boom = web.get(port, "127.0.0.1", "/api/v1/echo/boom").send().await(5, TimeUnit.SECONDS);
    assertThat(boom.statusCode()).isEqualTo(500);
    assertThat(boom.bodyAsString()).doesNotContain("internal detail").doesNotContain("Exception");

    vertx.undeploy(id).await(10, TimeUnit.SECONDS);
    assertThat(records()).isEmpty();
  }

  @Test
  void aPortAnotherProcessHoldsIsNamedWithTheSettingThatChoosesIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      JsonObject config = new JsonObject().put("echo", new JsonObject().put("http", new JsonObject()
          .put("port", taken.getLocalPort())));
      Throwable err = vertx.deployVerticle(new Echo(), new DeploymentOptions().setConfig(config))
          .toCompletionStage().toCompletableFuture().handle((id, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(err).isNotNull();
      assertThat(err.getMessage()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("another process listens there").contains("echo.http.port");
    }
  }

  private static final String ADMIN_KEY = "echo-admin-key";

  private static JsonObject guarded(boolean requireForReads) {
    return new JsonObject()
        .put("echo", new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0").put("port", 0)))
        .put("gateway", new JsonObject().put("auth", new JsonObject()
            .put("require_for_reads", requireForReads)
            .put("admin_routes", new io.vertx.core.json.JsonArray().add("POST /api/v1/echo/secret"))
            .put("api_keys", new io.vertx.core.json.JsonArray()
                .add(new JsonObject().put("name", "ops").put("sha256", ApiKey.sha256Hex(ADMIN_KEY))
                    .put("roles", new io.vertx.core.json.JsonArray().add("admin")))
                .add(new JsonObject().put("name", "viewer").put("sha256", ApiKey.sha256Hex("viewer-key"))
                    .put("roles", new io.vertx.core.json.JsonArray().add("reader"))))));
  }

  private static int status(io.vertx.core.Future<HttpResponse<Buffer>> f) throws Exception {
    return f.await(5, TimeUnit.SECONDS).statusCode();
  }

  /**
   * A service checks gateway.auth on its own port, as the gateway does: its admin routes (here one
   * of gateway.auth.admin_routes) need the admin role, in whatever spelling of the path; the body
   * of an admitted request reaches the handler; reads stay open.
   */
  @Test
  void aServicesAdminRoutesNeedAnAdminOnItsOwnPort() throws Exception {
    Echo echo = new Echo();
    vertx.deployVerticle(echo, new DeploymentOptions().setConfig(guarded(false))).await(10, TimeUnit.SECONDS);
    WebClient web = WebClient.create(vertx);
    int port = echo.actualPort();
    HttpResponse<Buffer> none = web.post(port, "127.0.0.1", "/api/v1/echo/secret").sendBuffer(Buffer.buffer("x"))
        .await(5, TimeUnit.SECONDS);
    assertThat(none.statusCode()).isEqualTo(401);
    JsonObject error = none.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("unauthorized");
    assertThat(error.getString("message")).contains("needs role admin");
    assertThat(error.getString("request_id")).isEqualTo(none.getHeader("X-Request-Id"));
    assertThat(status(web.post(port, "127.0.0.1", "//api/v1/echo/./secret/").sendBuffer(Buffer.buffer("x"))))
        .isEqualTo(401);
    assertThat(status(web.post(port, "127.0.0.1", "/api/v1/echo/s%65cret").sendBuffer(Buffer.buffer("x"))))
        .isEqualTo(401);
    assertThat(status(web.post(port, "127.0.0.1", "/api/v1/echo/secret").putHeader("X-API-Key", "nope")
        .sendBuffer(Buffer.buffer("x")))).isEqualTo(401);
    assertThat(status(web.post(port, "127.0.0.1", "/api/v1/echo/secret").putHeader("Authorization", "Basic abc")
        .sendBuffer(Buffer.buffer("x")))).isEqualTo(401);
    HttpResponse<Buffer> reader = web.post(port, "127.0.0.1", "/api/v1/echo/secret").putHeader("X-API-Key", "viewer-key")
        .sendBuffer(Buffer.buffer("x")).await(5, TimeUnit.SECONDS);
    assertThat(reader.statusCode()).isEqualTo(403);
    assertThat(reader.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("forbidden");

    String body = "y".repeat(100_000);
    HttpResponse<Buffer> admin = web.post(port, "127.0.0.1", "/api/v1/echo/secret").putHeader("X-API-Key", ADMIN_KEY)
        .sendBuffer(Buffer.buffer(body)).await(5, TimeUnit.SECONDS);
    assertThat(admin.statusCode()).isEqualTo(200);
    assertThat(admin.bodyAsString()).isEqualTo(body);
    String token = echo.access.authenticator().issueFor("ops", 60);
    assertThat(status(web.post(port, "127.0.0.1", "/api/v1/echo/secret").putHeader("Authorization", "Bearer " + token)
        .sendBuffer(Buffer.buffer("x")))).isEqualTo(200);
    assertThat(status(web.get(port, "127.0.0.1", "/api/v1/echo/info").send())).isEqualTo(200);
    // credentials on a read are the gateway's business (rate limits): the service lets it through
    assertThat(status(web.get(port, "127.0.0.1", "/api/v1/echo/info").putHeader("X-API-Key", "nope").send()))
        .isEqualTo(200);
  }

  /** With gateway.auth.require_for_reads every /api request needs credentials on a service's port too. */
  @Test
  void readsNeedCredentialsWhenTheGatewayRequiresThem() throws Exception {
    Echo echo = new Echo();
    vertx.deployVerticle(echo, new DeploymentOptions().setConfig(guarded(true))).await(10, TimeUnit.SECONDS);
    WebClient web = WebClient.create(vertx);
    int port = echo.actualPort();
    assertThat(status(web.get(port, "127.0.0.1", "/api/v1/echo/info").send())).isEqualTo(401);
    assertThat(status(web.get(port, "127.0.0.1", "/api/v1/echo/info").putHeader("X-API-Key", "nope").send()))
        .isEqualTo(401);
    assertThat(status(web.get(port, "127.0.0.1", "/api/v1/echo/info").putHeader("X-API-Key", "viewer-key").send()))
        .isEqualTo(200);
    assertThat(status(web.post(port, "127.0.0.1", "/api/v1/echo/secret").putHeader("X-API-Key", "viewer-key")
        .sendBuffer(Buffer.buffer("x")))).isEqualTo(403);
    // what monitoring and the gateway's health poll stays open
    assertThat(status(web.get(port, "127.0.0.1", "/health").send())).isEqualTo(200);
    assertThat(status(web.get(port, "127.0.0.1", "/metrics").send())).isEqualTo(200);
  }
}
