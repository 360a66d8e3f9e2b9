package io.marketprism.platform.node;

import io.marketprism.platform.Platform;
import io.marketprism.platform.metrics.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.Deployable;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One MarketPrism process: a Vert.x instance (clustered or not) with metrics, the platform
 * services, and the verticles of the services it runs.
 *
 * <p>{@link #stop} is what SIGTERM runs: services are undeployed in reverse order (each leaves
 * discovery, drains its requests and flushes), then the node's remaining records are
 * unpublished and Vert.x closes, which leaves the cluster. It is bounded by
 * {@code node.shutdown_timeout_ms}.
 */
public final class MarketPrismNode {

  private static final Logger LOG = LoggerFactory.getLogger(MarketPrismNode.class);

  private final Vertx vertx;
  private final Platform platform;
  private final NodeOptions options;
  private final List<String> deployments = Collections.synchronizedList(new ArrayList<>());
  private volatile Future<Void> stopping;

  private MarketPrismNode(Vertx vertx, Platform platform, NodeOptions options) {
    this.vertx = vertx;
    this.platform = platform;
    this.options = options;
  }

  /** Builds Vert.x (joining the cluster when {@code clustered}) and installs the platform. */
  public static Future<MarketPrismNode> start(JsonObject config, boolean clustered) {
    NodeOptions options = NodeOptions.from(config);
    PrometheusMeterRegistry meters = Metrics.newRegistry();
    VertxOptions vo = NativeTransport.prefer(new VertxOptions().setMetricsOptions(Metrics.vertxOptions()));
    VertxBuilder builder = Vertx.builder().with(vo).withMetrics(Metrics.vertxFactory(meters));
    Future<Vertx> vertx;
    if (clustered) {
      EventBusOptions bus = new EventBusOptions().setHost(options.host()).setPort(options.eventBusPort());
      vo.setEventBusOptions(options.trust() == null ? bus : options.trust().secure(bus));
      vertx = builder.withClusterManager(ClusterSetup.clusterManager(options)).buildClustered()
          .recover(e -> Future.failedFuture(String.valueOf(e.getMessage()).contains("Address already in use")
              ? new IllegalStateException("cannot listen on " + options.host() + ":" + options.eventBusPort()
                  + " for the event bus: the address is in use (cluster.event_bus_port; 0 takes any free port)", e)
              : e));
    } else {
      vertx = Future.succeededFuture(builder.build());
    }
    return vertx.map(v -> {
      Platform platform = Platform.install(v, config, meters);
      return new MarketPrismNode(v, platform, options);
    });
  }

  public Vertx vertx() {
    return vertx;
  }

  public Platform platform() {
    return platform;
  }

  /**
   * Deploys {@code instances} instances of one service verticle. They read the config tree from
   * the platform, not from their deployment options: Vert.x copies a deployment's options each
   * time it makes a context (the HTTP client does per connection request), so a large config
   * there costs every proxied request a deep copy.
   */
  public Future<String> deploy(String name, Supplier<? extends Deployable> verticle, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> {
          deployments.add(id);
          LOG.info("started {}", name);
        })
        .onFailure(err -> LOG.error("could not start {}: {}", name, err.getMessage()));
  }

  /** Stops everything, in reverse order of start; safe to call more than once. */
  public synchronized Future<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    List<String> ids = new ArrayList<>(deployments);
    Collections.reverse(ids);
    Future<Void> chain = Future.succeededFuture();
    for (String id : ids) {
      chain = chain.eventually(() -> vertx.undeploy(id).recover(err -> {
        LOG.warn("undeploy failed: {}", err.getMessage());
        return Future.succeededFuture();
      }));
    }
    stopping = chain.eventually(platform::close).eventually(vertx::close);
    return stopping;
  }

  /** Blocks the calling (non-Vert.x) thread until {@link #stop} finishes or its budget runs out. */
  public boolean stopAndWait() {
    CountDownLatch done = new CountDownLatch(1);
    stop().onComplete(ar -> done.countDown());
    try {
      boolean ok = done.await(options.shutdownMillis(), TimeUnit.MILLISECONDS);
      if (!ok) {
        LOG.warn("stop did not finish within {} ms", options.shutdownMillis());
      }
      return ok;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
