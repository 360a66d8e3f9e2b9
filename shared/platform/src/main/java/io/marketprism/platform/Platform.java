package io.marketprism.platform;

import io.marketprism.platform.discovery.ServiceDirectory;
import io.marketprism.platform.discovery.ServiceRegistry;
import io.marketprism.platform.config.ConfigReader;
import io.marketprism.platform.node.ClusterTrust;
import io.marketprism.platform.node.TrustedMembers;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.marketprism.platform.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the services of one Vert.x instance share: the root configuration, the metrics registry,
 * the discovery registry of this node and a live directory of all service instances.
 *
 * <p>{@link io.marketprism.platform.node.MarketPrismNode} installs it when it builds Vert.x; a
 * verticle deployed by other means (the Vert.x launcher, a test) gets one made on first use.
 */
public final class Platform {

  private static final Map<Vertx, Platform> BY_VERTX = new ConcurrentHashMap<>();

  private final Vertx vertx;
  private final JsonObject config;
  private final PrometheusMeterRegistry meters;
  private final Map<String, Object> shared = new ConcurrentHashMap<>();
  private ServiceRegistry registry;
  private ClusterTrust trust;
  private boolean trustRead;
  private Future<ServiceDirectory> directory;

  private Platform(Vertx vertx, JsonObject config, PrometheusMeterRegistry meters) {
    this.vertx = vertx;
    this.config = config;
    this.meters = meters;
  }

  /**
   * Installs the platform of a Vert.x instance built by the node launcher with {@code meters} as
   * its metrics registry (JVM metrics are bound here, after Vert.x set its meter filters).
   */
  public static Platform install(Vertx vertx, JsonObject config, PrometheusMeterRegistry meters) {
    Platform p = new Platform(vertx, config, Metrics.bindJvm(meters));
    io.marketprism.platform.node.NativeTransport.report(vertx);
    if (vertx instanceof VertxInternal internal && internal.clusterManager() instanceof TrustedMembers members) {
      Gauge.builder("mp.cluster.untrusted.members", members, TrustedMembers::untrustedMembers)
          .description("cluster members whose record is not signed by the cluster's key (cluster.tls): nothing is sent to them")
          .register(p.meters);
    }
    BY_VERTX.put(vertx, p);
    return p;
  }

  /** The platform installed for {@code vertx}, or null. */
  public static Platform installed(Vertx vertx) {
    return BY_VERTX.get(vertx);
  }

  /** The platform of {@code vertx}, created with {@code config} when none is installed yet. */
  public static Platform of(Vertx vertx, JsonObject config) {
    return BY_VERTX.computeIfAbsent(vertx, v -> new Platform(v, config, Metrics.bindJvm(Metrics.newRegistry())));
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The whole configuration tree (all sections). */
  public JsonObject config() {
    return config;
  }

  public PrometheusMeterRegistry meters() {
    return meters;
  }

  /**
   * One object per process under {@code key}, made by {@code factory} on first use: what the
   * instances of one service verticle (one per event loop) share, e.g. the gateway's local rate
   * limit buckets. It must be thread-safe.
   */
  @SuppressWarnings("unchecked")
  public <T> T shared(String key, java.util.function.Supplier<T> factory) {
    return (T) shared.computeIfAbsent(key, k -> factory.get());
  }

  /** The cluster's key pair ({@code cluster.tls}), or null when none is set. */
  public synchronized ClusterTrust clusterTrust() {
    if (!trustRead) {
      trust = config == null ? null : ClusterTrust.from(ConfigReader.root(config, "cluster"));
      trustRead = true;
    }
    return trust;
  }

  public synchronized ServiceRegistry registry() {
    if (registry == null) {
      registry = new ServiceRegistry(vertx, clusterTrust());
      ServiceRegistry r = registry;
      FunctionCounter.builder("mp.discovery.refused.records", r, ServiceRegistry::refusedRecords)
          .description("service records ignored for lacking the cluster key's signature (cluster.tls)")
          .register(meters);
    }
    return registry;
  }

  /** The live directory of service instances, started on first use. */
  public synchronized Future<ServiceDirectory> directory() {
    if (directory == null) {
      directory = ServiceDirectory.start(vertx, registry());
    }
    return directory;
  }

  /** Unpublishes this node's records and stops the directory; called once when the node stops. */
  public Future<Void> close() {
    BY_VERTX.remove(vertx);
    Future<Void> dir;
    synchronized (this) {
      dir = directory == null ? Future.succeededFuture() : directory.compose(ServiceDirectory::close);
    }
    return dir.eventually(() -> registry == null ? Future.succeededFuture() : registry.close());
  }
}
