package io.marketprism.platform.service;

import io.marketprism.platform.Platform;
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
}
