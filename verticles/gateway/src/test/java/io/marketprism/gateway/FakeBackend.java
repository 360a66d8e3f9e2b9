package io.marketprism.gateway;

import io.marketprism.platform.service.ServiceVerticle;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real service instance for the gateway to route to: a {@link ServiceVerticle} that answers
 * every {@code /api/v1/{service}/...} request with who it is and what it received, can be told
 * to fail (500), to answer slowly or to drop the connection unanswered, echoes bodies, and echoes WebSocket messages on
 * {@code /ws/v1/echo}.
 */
class FakeBackend extends ServiceVerticle {

  enum Mode { OK, FAIL, SLOW, DROP }

  final String service;
  final String name;
  volatile Mode mode = Mode.OK;
  volatile long slowMs = 2000;
  final AtomicInteger hits = new AtomicInteger();

  FakeBackend(String service, String name) {
    this.service = service;
    this.name = name;
  }

  @Override
  public String serviceName() {
    return service;
  }

  @Override
  protected boolean checksQueryParameters() {
    return true; // echoes any request, as the storage it often stands in for takes query parameters
  }

  @Override
  protected Future<?> startService(Router router) {
    router.route("/api/v1/" + service + "/*").handler(ctx -> {
      hits.incrementAndGet();
      if (mode == Mode.DROP) {
        ctx.request().connection().close();
        return;
      }
      HttpServerResponse res = ctx.response();
      // the body is read at once (a request read to its end has no body left to read), the answer may wait
      java.util.function.Consumer<io.vertx.core.buffer.Buffer> answer = body -> {
        if (mode == Mode.FAIL) {
          res.setStatusCode(500).putHeader("Content-Type", "application/json").end("{\"error\":\"boom\"}");
          return;
        }
        res.putHeader("Content-Type", "application/json").putHeader("X-Backend", name)
            .end(new JsonObject().put("instance", name).put("method", ctx.request().method().name())
                .put("uri", ctx.request().uri()).put("request_id", ctx.request().getHeader("X-Request-Id"))
                .put("host", ctx.request().getHeader("Host"))
                .put("connection_header", ctx.request().getHeader("X-Hop"))
                .put("body", body.toString()).put("hits", hits.get()).encode());
      };
      ctx.request().body().onSuccess(body -> {
        if (mode == Mode.SLOW) {
          vertx.setTimer(slowMs, t -> answer.accept(body));
        } else {
          answer.accept(body);
        }
      });
    });
    router.route("/ws/v1/echo").handler(ctx -> ctx.request().toWebSocket().onSuccess(ws -> {
      ws.textMessageHandler(t -> ws.writeTextMessage(name + ":" + t));
      ws.binaryMessageHandler(ws::writeBinaryMessage);
    }));
    return Future.succeededFuture();
  }
}
