package io.marketprism.broker;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.http.ServerUnavailableException;
import io.marketprism.platform.bus.NatsProblems;
import io.marketprism.platform.bus.StreamManager;
import io.marketprism.platform.service.ServiceVerticle;
import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.util.List;

/**
 * The broker service: owns the JetStream streams. At start it creates or updates every stream of
 * {@code bus.streams} (subjects, storage, max age and bytes, duplicate window); it serves
 * {@code GET /api/v1/broker/streams} (stream and consumer state) and reports NATS connectivity in
 * {@code /health}. With the embedded bus there is no broker to manage and it says so.
 */
public class BrokerVerticle extends ServiceVerticle {

  private BusOptions options;
  private Connection nats;

  @Override
  public String serviceName() {
    return "broker";
  }

  @Override
  public void validate(JsonObject root) {
    super.validate(root);
    BusOptions.from(root);
  }

  @Override
  protected Future<?> startService(Router router) {
    options = BusOptions.from(rootConfig());
    router.get("/api/v1/broker/streams").handler(ctx -> streams().onSuccess(ctx::json).onFailure(ctx::fail));
    NatsProblems problems = new NatsProblems(options.natsUrl());
    health.register("nats", p -> {
      boolean up = !options.isNats() || nats != null && nats.getStatus() == Connection.Status.CONNECTED;
      p.complete(up ? Status.OK() : Status.KO(new JsonObject().put("error", problems.describe(false))));
    });
    if (!options.isNats()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      Options o = new Options.Builder().servers(options.natsUrl().split(",")).connectionTimeout(options.connectTimeout())
          .reconnectWait(options.reconnectWait()).maxReconnects(-1).pingInterval(BusOptions.PING_INTERVAL).maxPingsOut(2)
          .errorListener(problems)
          .connectionListener((conn, event) -> {
            if (event == ConnectionListener.Events.RECONNECTED) {
              problems.clear();
            }
          }).build();
      nats = Nats.connect(o);
      new StreamManager(nats).apply(options.streams(), true);
      return null;
    });
  }

  private Future<JsonObject> streams() {
    JsonObject base = new JsonObject().put("bus", options.type());
    if (!options.isNats()) {
      JsonArray configured = new JsonArray();
      options.streams().forEach(s -> configured.add(s.toJson()));
      return Future.succeededFuture(base.put("durable", false).put("configured", configured).put("streams",
          new JsonArray()));
    }
    String server = "NATS at " + options.natsUrl();
    if (nats == null || nats.getStatus() != Connection.Status.CONNECTED) {
      // a 503 naming it at once, not the client's timeout after its wait
      return Future.failedFuture(new ServerUnavailableException(server, new IOException("not connected")));
    }
    List<String> names = options.streams().stream().map(BusOptions.StreamSpec::name).toList();
    return vertx.executeBlocking(() -> base.put("durable", true).put("connected", true)
        .put("streams", new StreamManager(nats).describe(names)))
        .recover(err -> Future.failedFuture(ServerUnavailableException.naming(server, err)));
  }

  @Override
  protected Future<?> stopService() {
    return nats == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      nats.close();
      return null;
    });
  }
}
