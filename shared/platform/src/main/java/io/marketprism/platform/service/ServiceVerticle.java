package io.marketprism.platform.service;

import io.marketprism.platform.Platform;
import io.marketprism.platform.auth.AccessPolicy;
import io.marketprism.platform.config.ConfigLoader;
import io.marketprism.platform.config.ConfigReader;
import io.marketprism.platform.discovery.ServiceRegistry;
import io.marketprism.platform.http.Http;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.util.concurrent.TimeUnit;

/**
 * The shape every MarketPrism service shares: an HTTP server with {@code /health},
 * {@code /metrics} and the service's own routes under {@code /api/v1/{service}/}, published in
 * service discovery while it runs.
 *
 * <p>Start: read options → {@link #startService} → listen → publish. Stop, the reverse, so a
 * stopping instance first leaves discovery (the gateways stop routing to it), then drains the
 * requests in flight, then flushes ({@link #stopService}).
 *
 * <p>The configuration tree comes from {@link #rootConfig()}. The server listens on
 * {@code <service>.http.host} / {@code <service>.http.port} (port 0: any free port).
 *
 * <p>Every service checks {@code gateway.auth} on its own port ({@link AccessPolicy}): its admin
 * routes need the admin role whether the request came through the gateway (which forwards the
 * credentials as sent) or straight to the service's port.
 */
public abstract class ServiceVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ServiceVerticle.class);

  protected Platform platform;
  protected HealthChecks health;
  /** The access policy of {@code gateway.auth}, checked before the service's routes (see {@link #checksAccess}). */
  protected AccessPolicy access;
  private HttpServer server;
  private String registration;
  private final java.util.Map<String, String> eventBusAddresses = new java.util.LinkedHashMap<>();
  private final java.util.List<String> eventBusRegistrations = new java.util.ArrayList<>();

  /** The service name: its discovery name and its path segment in {@code /api/v1/{service}}. */
  public abstract String serviceName();

  /** Sets up the service and mounts its routes; the server is not listening yet. */
  protected abstract Future<?> startService(Router router);

  /**
   * Ends the connections that would otherwise hold the server's shutdown until its drain time is
   * over (WebSockets), with a close of the service's own; called after the instance left discovery,
   * before the server shuts down (which closes what is left with a bare 1000).
   */
  protected Future<?> beforeServerShutdown() {
    return Future.succeededFuture();
  }

  /**
   * Whether the server checks {@link #access} before every route (true); the gateway checks it in
   * its own admission, after its rate limits, and answers false.
   */
  protected boolean checksAccess() {
    return true;
  }

  /**
   * Whether this service's routes read and check their own query parameters (storage). Where they
   * do not (false, the default), they take none, and a request that carries any is a 400 naming
   * them: a misspelt filter would otherwise be ignored without a word.
   */
  protected boolean checksQueryParameters() {
    return false;
  }

  /**
   * Whether this service's port is for the cluster's own calls (true: with {@code cluster.tls} it
   * speaks HTTPS with the cluster's certificate); the gateway's port is the users' and answers false.
   */
  protected boolean servesTheClusterOnly() {
    return true;
  }

  /**
   * Options of a client that calls the services' ports (with {@code cluster.tls}: trusting the
   * cluster's certificate, for the requests to instances whose record says {@code ssl}).
   */
  protected <T extends HttpClientOptions> T toServices(T options) {
    if (platform.clusterTrust() != null) {
      platform.clusterTrust().trusting(options);
    }
    return options;
  }

  /** Flushes and releases what the service holds; the server is already closed. */
  protected Future<?> stopService() {
    return Future.succeededFuture();
  }

  /**
   * Checks this service's configuration before anything starts; throws
   * {@link io.marketprism.platform.config.ConfigException} naming the bad key. Subclasses that
   * have an options class build it here too.
   */
  public void validate(JsonObject root) {
    ConfigReader http = ConfigReader.root(root, serviceName()).section("http");
    http.string("host", "127.0.0.1");
    http.port("port", 0);
  }

  /**
   * How many instances of this verticle a node deploys ({@code <service>.instances}, default 1).
   * They share one server port (Vert.x spreads connections over their event loops) and one
   * discovery record.
   */
  public int instances(JsonObject root) {
    return ConfigReader.root(root, serviceName()).intIn("instances", 1, 64, 1);
  }

  /**
   * The root configuration tree: the deployment config when one was given (tests, the Vert.x
   * launcher's {@code -conf}), else the tree of the node's platform, else the embedded defaults.
   */
  protected JsonObject rootConfig() {
    JsonObject cfg = config();
    if (cfg != null && !cfg.isEmpty()) {
      return cfg;
    }
    Platform installed = Platform.installed(vertx);
    return installed != null ? installed.config() : ConfigLoader.load(null);
  }

  /** This service's config section. */
  protected ConfigReader section() {
    return ConfigReader.root(rootConfig(), serviceName());
  }

  /** Host and port this service listens on; the gateway overrides this with its public port. */
  protected HttpServerOptions serverOptions() {
    ConfigReader http = section().section("http");
    return new HttpServerOptions().setHost(http.string("host", "127.0.0.1")).setPort(http.port("port", 0));
  }

  /** The setting that chooses the port of {@link #serverOptions}, named when the port is taken. */
  protected String portSetting() {
    return serviceName() + ".http.port";
  }

  private static boolean inUse(Throwable e) {
    return e instanceof BindException || String.valueOf(e.getMessage()).contains("Address already in use");
  }

  /** The host written into the discovery record (the bind address unless it is a wildcard). */
  protected String advertisedHost(HttpServerOptions options) {
    String host = section().section("http").string("advertised_host", options.getHost());
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  /** The port actually bound (valid once started). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  @Override
  public Future<?> start() {
    JsonObject root = rootConfig();
    validate(root);
    platform = Platform.of(vertx, root);
    health = HealthChecks.create(vertx);
    if (registry().clustered()) {
      // a node without the keystore the others have, or with another one, is cut off from them: DOWN, saying so
      health.register("cluster_key", p -> {
        String problem = registry().clusterKeyProblem();
        p.complete(problem == null ? Status.OK() : Status.KO(new JsonObject().put("problem", problem)));
      });
    }
    HttpServerOptions options = serverOptions();
    boolean https = platform.clusterTrust() != null && servesTheClusterOnly();
    if (https) {
      platform.clusterTrust().secure(options);
    }
    Router router = Router.router(vertx);
    Http.installErrorHandling(router);
    access = AccessPolicy.create(vertx, root, platform.meters(), serviceName());
    if (checksAccess()) {
      router.route().order(-999).handler(access::handle);
    }
    if (!checksQueryParameters()) {
      router.route().order(-998).handler(Http::refuseQueryParameters);
    }
    router.get("/health").handler(ctx -> checkHealth().onComplete(ar -> {
      JsonObject body = ar.succeeded() ? ar.result()
          : new JsonObject().put("status", "DOWN").put("checks", new JsonArray())
              .put("error", String.valueOf(ar.cause().getMessage()));
      ctx.response().setStatusCode("UP".equals(body.getString("status")) ? 200 : 503)
          .putHeader("Content-Type", "application/json").end(body.encode());
    }));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(platform.meters()));
    router.get("/api/v1/" + serviceName() + "/info").handler(ctx -> ctx.json(new JsonObject()
        .put("service", serviceName()).put("node", registry().nodeId()).put("registration", registration)
        .put("port", actualPort())));
    return startService(router)
        .compose(v -> vertx.createHttpServer(options).requestHandler(Http.checkingPaths(router))
            .invalidRequestHandler(Http::renderInvalidRequest).listen()
            .recover(e -> Future.failedFuture(new IllegalStateException("cannot listen on " + options.getHost() + ":"
                + options.getPort() + ": " + e.getMessage() + (inUse(e)
                    ? " (another process listens there, perhaps another MarketPrism; stop it or choose another port: "
                        + portSetting() + ")" : ""), e))))
        .compose(s -> {
          server = s;
          LOG.info("{} listening on {}:{}{}", serviceName(), options.getHost(), s.actualPort(),
              https ? " (HTTPS with the cluster's certificate, cluster.tls)" : "");
          return registry().publishHttp(serviceName(), advertisedHost(options), s.actualPort(), https, recordMetadata());
        })
        .compose(id -> {
          registration = id;
          return publishEventBusAddresses();
        });
  }

  /**
   * Declares an event-bus address this service answers or publishes on; it is published in
   * discovery as a message-source record named {@code name} (with this node's id) while the
   * service runs. Call it from {@link #startService}.
   */
  protected void eventBusAddress(String name, String address) {
    eventBusAddresses.put(name, address);
  }

  private Future<Void> publishEventBusAddresses() {
    if (!isFirstInstance()) {
      return Future.succeededFuture();
    }
    java.util.List<Future<String>> all = new java.util.ArrayList<>();
    eventBusAddresses.forEach((name, address) -> {
      io.vertx.servicediscovery.Record r = io.vertx.servicediscovery.types.MessageSource.createRecord(name, address,
          JsonObject.class, new JsonObject().put(io.marketprism.platform.discovery.ServiceInstance.META_SERVICE, serviceName()));
      all.add(registry().publish(r).onSuccess(eventBusRegistrations::add));
    });
    return Future.all(all).mapEmpty();
  }

  /** Instances sharing a port share their records: only the first publishes the extra ones. */
  private boolean isFirstInstance() {
    return platform.shared("service.first." + serviceName(), () -> deploymentID() + "/" + this.hashCode())
        .equals(deploymentID() + "/" + this.hashCode());
  }

  @Override
  public Future<?> stop() {
    Future<Void> unpublished = Future.join(eventBusRegistrations.stream().map(registry()::unpublish).toList())
        .compose(v -> registry().unpublish(registration));
    return unpublished
        .eventually(this::beforeServerShutdown)
        .compose(v -> server == null ? Future.succeededFuture()
            : server.shutdown(shutdownDrainMillis(), TimeUnit.MILLISECONDS))
        .eventually(this::stopService)
        .onComplete(ar -> LOG.info("{} stopped", serviceName()));
  }

  /** Extra metadata for the discovery record. */
  protected JsonObject recordMetadata() {
    return new JsonObject();
  }

  protected ServiceRegistry registry() {
    return platform.registry();
  }

  /**
   * This instance's health: {@code {"status":"UP|DOWN","service":..,"checks":[{"id","status",
   * "data"}]}}. Subclasses register checks on {@link #health} (readiness of their dependencies).
   */
  protected Future<JsonObject> checkHealth() {
    return health.checkStatus().map(this::render);
  }

  private JsonObject render(CheckResult result) {
    JsonArray checks = new JsonArray();
    if (result.getChecks() != null) {
      for (CheckResult c : result.getChecks()) {
        JsonObject j = new JsonObject().put("id", c.getId()).put("status", c.getUp() ? "UP" : "DOWN");
        if (c.getData() != null && !c.getData().isEmpty()) {
          j.put("data", c.getData());
        }
        checks.add(j);
      }
    }
    return new JsonObject().put("status", result.getUp() ? "UP" : "DOWN").put("service", serviceName())
        .put("node", registry().nodeId()).put("checks", checks);
  }

  private long shutdownDrainMillis() {
    return TimeUnit.SECONDS.toMillis(3);
  }
}
