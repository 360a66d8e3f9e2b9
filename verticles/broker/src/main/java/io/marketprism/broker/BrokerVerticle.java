package io.marketprism.broker;

import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.http.ApiError;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * The broker service: owns the JetStream streams. At start it creates or updates every stream of
 * {@code bus.streams} (subjects, storage, max age and bytes, duplicate window); it serves
 * {@code GET /api/v1/broker/streams} (stream and consumer state) and reports NATS connectivity in
 * {@code /health}. A NATS that cannot be reached at start does not stop it (nor the services
 * started with it): it tries again every {@code bus.nats.reconnect_wait_ms} and creates or updates
 * the streams once connected; a configuration NATS refuses fails the start (refused only once NATS
 * is reached after the start, it is what its health and {@code streams} report). With the embedded bus
 * there is no broker to manage and it says so.
 */
public class BrokerVerticle extends ServiceVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(BrokerVerticle.class);

  private BusOptions options;
  private Options natsOptions;
  private NatsProblems problems;
  private volatile Connection nats;
  private long retryTimer = -1;
  private boolean connecting;
  private volatile boolean stopped;
  /**
   * Why NATS refused the streams' configuration when the broker reached it only after its start
   * (the start could no longer fail), or null: health and {@code streams} say it, not that NATS is
   * not reachable.
   */
  private volatile String refused;

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
    problems = new NatsProblems(options.natsUrl());
    health.register("nats", p -> {
      boolean up = !options.isNats() || nats != null && nats.getStatus() == Connection.Status.CONNECTED;
      String why = refused != null ? refused : problems.describe(false);
      p.complete(up ? Status.OK() : Status.KO(new JsonObject().put("error", why)));
    });
    if (!options.isNats()) {
      return Future.succeededFuture();
    }
    natsOptions = new Options.Builder().servers(options.natsUrl().split(",")).connectionTimeout(options.connectTimeout())
        .reconnectWait(options.reconnectWait()).maxReconnects(-1).pingInterval(BusOptions.PING_INTERVAL).maxPingsOut(2)
        .errorListener(problems)
        .connectionListener((conn, event) -> {
          if (event == ConnectionListener.Events.RECONNECTED) {
            problems.clear();
          }
        }).build();
    return connect().recover(err -> {
      if (!(err instanceof IOException)) {
        return Future.failedFuture(err); // NATS refused a stream's configuration
      }
      LOG.warn("{}; the broker creates or updates the streams once it is", problems.describe(false));
      retryTimer = vertx.setPeriodic(options.reconnectWait().toMillis(), t -> retry());
      return Future.succeededFuture();
    });
  }

  /**
   * Connects and creates or updates the streams.
   *
   * @return fails with an {@link IOException} when NATS cannot be reached, with a
   *     {@link io.marketprism.platform.bus.StreamRefusedException} when it refuses a stream's configuration
   */
  private Future<Void> connect() {
    connecting = true;
    return vertx.<Void>executeBlocking(() -> {
      Connection c = Nats.connect(natsOptions);
      try {
        new StreamManager(c).apply(options.streams(), true);
      } catch (Exception e) {
        c.close();
        throw e;
      }
      if (stopped) {
        c.close();
      } else {
        nats = c;
      }
      return null;
    }).onComplete(ar -> connecting = false);
  }

  private void retry() {
    if (connecting || stopped) {
      return;
    }
    connect().onSuccess(v -> {
      vertx.cancelTimer(retryTimer);
      problems.clear();
      LOG.info("NATS {} reached: streams created or updated", options.natsUrl());
    }).onFailure(err -> {
      if (!(err instanceof IOException)) {
        vertx.cancelTimer(retryTimer);
        refused = err.getMessage() + " (fix bus.streams and restart the broker)";
        LOG.error("NATS {} refused the streams' configuration: {}", options.natsUrl(), refused);
      }
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
    if (refused != null) {
      return Future.failedFuture(new ApiError(503, "unavailable", refused));
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
    stopped = true;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    Connection c = nats;
    return c == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      c.close();
      return null;
    });
  }
}
