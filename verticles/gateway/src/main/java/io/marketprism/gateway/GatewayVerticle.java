package io.marketprism.gateway;

import io.marketprism.platform.auth.Authenticator;
import io.marketprism.platform.auth.Principal;
import io.marketprism.gateway.auth.TokenEndpoint;
import io.marketprism.gateway.breaker.InstanceBreakers;
import io.marketprism.gateway.cache.LocalResponseCache;
import io.marketprism.gateway.cache.RedisResponseCache;
import io.marketprism.gateway.cache.ResponseCache;
import io.marketprism.gateway.health.ClusterHealth;
import io.marketprism.gateway.ratelimit.Decision;
import io.marketprism.gateway.ratelimit.LocalRateLimiter;
import io.marketprism.gateway.ratelimit.RateLimitOptions;
import io.marketprism.gateway.ratelimit.RateLimitOptions.RouteClass;
import io.marketprism.gateway.ratelimit.RateLimiter;
import io.marketprism.gateway.ratelimit.RedisRateLimiter;
import io.marketprism.gateway.redis.RedisLink;
import io.marketprism.gateway.routing.BackendDirectory;
import io.marketprism.gateway.routing.Proxy;
import io.marketprism.gateway.routing.ProxyCall;
import io.marketprism.platform.http.RequestPath;
import io.marketprism.gateway.routing.ServicePool;
import io.marketprism.gateway.ws.WebSocketProxy;
import io.marketprism.platform.discovery.ServiceDirectory;
import io.marketprism.platform.http.ApiError;
import io.marketprism.platform.http.Http;
import io.marketprism.platform.service.ServiceVerticle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.marketprism.gateway.stream.LiveStream;
import io.marketprism.gateway.stream.StreamOptions;
import io.marketprism.platform.bus.BusOptions;
import io.marketprism.platform.bus.RecordBus;
import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway (CONTRACT §5): the public HTTP port of the platform. It routes
 * {@code /api/v1/{service}/...} and the {@code /ws/...} WebSockets to the discovered instances of
 * each service, round-robin, with a circuit breaker per instance, and in front of that applies,
 * in order: path canonicalization and the body size limit, credentials (API key or JWT), rate
 * limits per client and route class, and the admin role on admin routes. Cached GET routes are
 * answered from Redis or memory. It also serves the token exchange, the instances with their
 * breakers ({@code /api/v1/gateway/services}), the cluster's health and the dashboard.
 */
public class GatewayVerticle extends ServiceVerticle {

  /** The gateway's service name. */
  public static final String SERVICE = "gateway";

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final String PATH = "mp.path";
  private static final String DASHBOARD = "gateway/dashboard.html";
  private static final String LIVE_STREAM_PATH = "/ws/v1/stream";

  private GatewayOptions options;
  private HttpClient client;
  private WebSocketClient webSockets;
  private RedisLink redis;
  private RateLimiter limiter;
  private RateLimitOptions.RouteClasses routeClasses;
  private BackendDirectory backends;
  /** The gateway's router (its own routes among them). */
  private Router router;
  /** The services under {@code /api/v1/} that the gateway answers itself. */
  private static final java.util.Set<String> OWN_SERVICES = java.util.Set.of("auth", "gateway");
  private Proxy proxy;
  private WebSocketProxy webSocketProxy;
  private ClusterHealth clusterHealth;
  private Buffer dashboard;
  private final Map<String, Counter> limited = new HashMap<>();
  private RecordBus bus;
  private LiveStream liveStream;

  @Override
  public String serviceName() {
    return SERVICE;
  }

  @Override
  public void validate(JsonObject root) {
    GatewayOptions.from(root);
    StreamOptions.from(ConfigReader.root(root, SERVICE));
    BusOptions.from(root);
  }

  /**
   * One gateway verticle per event loop ({@code gateway.instances}, default the number of cores)
   * so proxying uses every core; they share the port, the discovery record, the local rate-limit
   * buckets and the local cache. Breakers are per instance. With port 0 (tests) there is one.
   */
  @Override
  public int instances(JsonObject root) {
    ConfigReader gw = ConfigReader.root(root, SERVICE);
    int n = gw.intIn("instances", 1, 64, Runtime.getRuntime().availableProcessors());
    return gw.port("port", 8080) == 0 ? 1 : n;
  }

  /** The validated options (read on first use; a bad value fails the start with its key). */
  public GatewayOptions options() {
    if (options == null) {
      options = GatewayOptions.from(rootConfig());
    }
    return options;
  }

  /** The authenticator, e.g. for a launcher that prints an admin token (valid once started). */
  public Authenticator authenticator() {
    return access == null ? null : access.authenticator();
  }

  /** {@link #admit} checks the access policy itself, after the rate limit. */
  @Override
  protected boolean checksAccess() {
    return false;
  }

  @Override
  protected boolean checksQueryParameters() {
    return true; // proxied routes are checked by their service; the gateway's own API routes refuse any
  }

  @Override
  protected boolean servesTheClusterOnly() {
    return false; // the users' port: never the cluster's certificate
  }

  @Override
  protected HttpServerOptions serverOptions() {
    GatewayOptions o = options();
    StreamOptions stream = StreamOptions.from(section());
    return new HttpServerOptions().setHost(o.host()).setPort(o.port())
        .setMaxHeaderSize(o.maxHeaderBytes())
        .setMaxInitialLineLength(o.maxUriLength())
        .setMaxWebSocketFrameSize(stream.maxFrameBytes())
        .setMaxWebSocketMessageSize(stream.maxMessageBytes())
        .setTcpNoDelay(true);
  }

  @Override
  protected String portSetting() {
    return "gateway.port; demo: --port";
  }

  @Override
  protected String advertisedHost(HttpServerOptions server) {
    String host = section().string("advertised_host", server.getHost());
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  @Override
  protected Future<?> startService(Router router) {
    GatewayOptions o = options();
    MeterRegistry meters = platform.meters();
    StreamOptions stream = StreamOptions.from(section());
    HttpClientOptions clientOptions = toServices(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
        .setConnectTimeout(o.connectTimeoutMs()).setKeepAliveTimeout(o.pool().keepAliveSeconds())
        .setTcpNoDelay(true).setMaxHeaderSize(Math.max(8192, o.maxHeaderBytes())));
    // the proxied WebSockets' backend side gets the client side's limits (the server's, in serverOptions)
    WebSocketClientOptions webSocketOptions = new WebSocketClientOptions().setConnectTimeout(o.connectTimeoutMs())
        .setMaxFrameSize(stream.maxFrameBytes()).setMaxMessageSize(stream.maxMessageBytes());
    if (platform.clusterTrust() != null) {
      platform.clusterTrust().trusting(webSocketOptions);
    }
    client = vertx.createHttpClient(clientOptions,
        new PoolOptions().setHttp1MaxSize(o.pool().maxPerInstance()).setMaxWaitQueueSize(o.pool().maxWaitQueue()));
    webSockets = vertx.createWebSocketClient(webSocketOptions);
    routeClasses = o.rateLimits().classifier();
    LocalRateLimiter localLimits = platform.shared("gateway.local-rate-limits",
        () -> new LocalRateLimiter(vertx, o.rateLimits().maxClients()));
    LocalResponseCache localCache = platform.shared("gateway.local-cache", () -> new LocalResponseCache(o.cache().maxEntries()));
    ResponseCache cache = localCache;
    limiter = localLimits;
    if (o.redis().configured()) {
      redis = RedisLink.create(vertx, o.redis());
      limiter = new RedisRateLimiter(redis, localLimits);
      cache = new RedisResponseCache(redis, localCache);
    }
    proxy = new Proxy(client, o, cache, meters);
    webSocketProxy = new WebSocketProxy(webSockets, o.backendTimeoutMs(), stream.maxFrameBytes(),
        stream.maxMessageBytes());
    registerOwnChecks();
    return vertx.fileSystem().readFile(DASHBOARD)
        .compose(html -> {
          dashboard = html;
          return platform.directory();
        })
        .compose(directory -> {
          startRouting(directory, meters);
          return startLiveStream(meters);
        })
        .compose(v -> {
          mount(router);
          return checkRedisOnce();
        });
  }

  /** The live stream is fed by this gateway's own bus subscription (CONTRACT §1: bus → gateway). */
  private Future<Void> startLiveStream(MeterRegistry meters) {
    StreamOptions streamOptions = StreamOptions.from(section());
    if (!streamOptions.enabled()) {
      return Future.succeededFuture();
    }
    bus = RecordBus.create(vertx, BusOptions.from(rootConfig()));
    AtomicInteger clients = platform.shared("gateway.stream-clients", AtomicInteger::new);
    return bus.start().onSuccess(v -> {
      liveStream = new LiveStream(bus, streamOptions, meters, clients);
      // never DOWN: drops are a figure to watch, not a gateway unable to serve
      health.register("stream", promise -> promise.complete(Status.OK(liveStream.status())));
    });
  }

  private void startRouting(ServiceDirectory directory, MeterRegistry meters) {
    InstanceBreakers breakers = platform.shared("gateway.breakers",
        () -> new InstanceBreakers(vertx, options.breaker(), meters));
    backends = new BackendDirectory(vertx, directory, breakers, meters, options.services(), SERVICE);
    backends.start();
    clusterHealth = new ClusterHealth(client, backends, options.health(), SERVICE);
  }

  private void mount(Router router) {
    this.router = router;
    TokenEndpoint tokens = new TokenEndpoint(access.authenticator(), options.maxBodyBytes());
    router.route("/api/*").handler(this::admit);
    router.route("/ws/*").handler(this::admit);
    router.post("/api/v1/auth/token").handler(Http::refuseQueryParameters).handler(tokens::handle);
    router.get("/api/v1/gateway/services").handler(Http::refuseQueryParameters).handler(ctx -> {
      ctx.request().resume();
      ctx.json(backends.describe());
    });
    mountLocalRoutes(router);
    router.route("/api/*").handler(this::routeApi);
    router.route("/ws/*").handler(this::routeWebSocket);
    router.get("/").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache").end(dashboard));
  }

  /**
   * Where routes the gateway answers itself go (e.g. a WebSocket endpoint served from the bus):
   * mounted after admission, so they are rate limited and authorized like routed requests, and
   * before routing, so they take precedence over {@code /api/v1/{service}} and
   * {@code gateway.websocket.routes}. Their requests arrive paused. Nothing by default.
   */
  protected void mountLocalRoutes(Router router) {
    if (liveStream != null) {
      router.get(LIVE_STREAM_PATH).handler(ctx -> {
        // a plain GET: answered here, in the API's error shape (the upgrade would answer in text)
        if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
          ApiError.send(ctx, 400, "bad_request", LIVE_STREAM_PATH + " is a WebSocket: connect with an upgrade "
              + "(e.g. websocat ws://HOST" + LIVE_STREAM_PATH + ")");
          return;
        }
        // a token's stream ends at its exp: checked at the upgrade only, it would outlive it
        Principal p = ctx.get(TokenEndpoint.PRINCIPAL);
        long expiresAtMs = p == null ? 0 : p.expiresAtMs();
        ctx.request().toWebSocket().onSuccess(ws -> liveStream.accept(ws, expiresAtMs))
            .onFailure(err -> ApiError.send(ctx, 400, "bad_request",
                LIVE_STREAM_PATH + " needs a WebSocket upgrade: " + err.getMessage()));
      });
    }
  }

  /**
   * Admission of every {@code /api} and {@code /ws} request, before any routing: canonical path,
   * size limit, credentials, rate limit, admin role. Failed credentials are rate limited by the
   * client's address like anonymous requests, so guessing keys costs the guesser.
   */
  private void admit(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!req.isEnded()) {
      // the body waits until it is streamed to the backend, after the asynchronous checks
      req.pause();
    }
    String path;
    try {
      path = RequestPath.canonical(req.path());
    } catch (ApiError e) {
      reject(ctx, e);
      return;
    }
    ApiError tooLarge = checkLength(req);
    if (tooLarge != null) {
      ProxyCall.closeAfterResponse(ctx);
      reject(ctx, tooLarge);
      return;
    }
    ctx.put(PATH, path);
    boolean admin = access.isAdminRoute(req.method(), path);
    access.authenticator().authenticate(req).onComplete(credentials -> {
      Principal p = credentials.succeeded() ? credentials.result() : null;
      String client = p != null ? "key:" + p.name() : "ip:" + clientAddress(req);
      rateLimit(ctx, path, admin, client).onSuccess(allowed -> {
        if (!allowed) {
          return;
        }
        if (credentials.failed()) {
          access.invalidCredentials();
          reject(ctx, credentials.cause());
          return;
        }
        ApiError refused = access.refusal(p, admin);
        if (refused != null) {
          reject(ctx, refused);
          return;
        }
        if (p != null) {
          ctx.put(TokenEndpoint.PRINCIPAL, p);
        }
        ctx.next();
      });
    });
  }

  private ApiError checkLength(HttpServerRequest req) {
    String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return null;
    }
    long n;
    try {
      n = Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return ApiError.badRequest("Content-Length is not a number");
    }
    return n > options.maxBodyBytes()
        ? new ApiError(413, "payload_too_large", "the request body is larger than " + options.maxBodyBytes() + " bytes")
        : null;
  }

  /** Takes a token; on refusal answers 429 and completes with false. */
  private Future<Boolean> rateLimit(RoutingContext ctx, String path, boolean admin, String client) {
    if (!options.rateLimits().enabled()) {
      return Future.succeededFuture(true);
    }
    RouteClass rc = routeClasses.classify(path, admin);
    return limiter.take(rc, client).map(d -> admitted(ctx, rc, d));
  }

  private boolean admitted(RoutingContext ctx, RouteClass rc, Decision d) {
    d.writeHeaders(ctx.response());
    if (d.allowed()) {
      return true;
    }
    limited.computeIfAbsent(rc.name(), n -> Counter.builder("mp.gateway.rate.limited.requests")
        .description("requests refused with 429, by route class").tag("class", n).register(platform.meters()))
        .increment();
    reject(ctx, new ApiError(429, "rate_limited", "rate limit of the " + rc.name() + " class exceeded ("
        + rc.capacity() + " requests, " + rc.refillPerSecond() + " per second): retry in "
        + d.retryAfterSeconds() + " s"));
    return false;
  }

  private String clientAddress(HttpServerRequest req) {
    if (options.rateLimits().trustForwardedFor()) {
      String forwarded = req.getHeader("X-Forwarded-For");
      if (forwarded != null && !forwarded.isBlank()) {
        int comma = forwarded.indexOf(',');
        return (comma < 0 ? forwarded : forwarded.substring(0, comma)).trim();
      }
    }
    return req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
  }

  private void routeApi(RoutingContext ctx) {
    String path = ctx.get(PATH);
    String version = RequestPath.segment(path, 1);
    String service = RequestPath.segment(path, 2);
    ServicePool pool = "v1".equals(version) && service != null ? backends.pool(service) : null;
    if (pool == null) {
      // the gateway's own routes (auth, gateway) asked with another method, or another path under them
      ctx.request().resume();
      if (!Http.methodNotAllowed(ctx, router, path)) {
        reject(ctx, ApiError.notFound(service == null || !"v1".equals(version) || OWN_SERVICES.contains(service)
            ? "no route for " + ctx.request().method() + " " + path : "unknown service '" + service + "'"));
      }
      return;
    }
    proxy.route(ctx, pool, path, Http.requestId(ctx));
  }

  private void routeWebSocket(RoutingContext ctx) {
    String path = ctx.get(PATH);
    String service = options.webSocketRoutes().get(path);
    if (service == null) {
      reject(ctx, ApiError.notFound("no WebSocket endpoint at " + path));
      return;
    }
    ServicePool pool = backends.pool(service);
    if (pool == null) {
      reject(ctx, new ApiError(503, "service_unavailable", "no instance of " + service + " is running"));
      return;
    }
    webSocketProxy.handle(ctx, pool, Http.requestId(ctx));
  }

  private static void reject(RoutingContext ctx, Throwable err) {
    ctx.request().resume();
    ctx.fail(err);
  }

  private void registerOwnChecks() {
    health.register("discovery", promise -> promise.complete(backends == null ? Status.KO() : discovered()));
    if (options.redis().configured()) {
      // a Redis outage degrades limits to per-instance and the cache to local: reported, not DOWN
      health.register("redis", promise -> promise.complete(Status.OK(new JsonObject()
          .put("url", redis.url()).put("reachable", redis.up())
          .put("mode", redis.up() ? "shared" : "local fallback"))));
    }
  }

  /**
   * The {@code discovery} check: the services with at least one discovered instance, and the
   * instances of each routable service (a configured one with none shows 0).
   */
  private Status discovered() {
    JsonObject instances = backends.instanceCounts();
    long services = instances.stream().filter(e -> ((Number) e.getValue()).intValue() > 0).count();
    return Status.OK(new JsonObject().put("services", services).put("instances", instances));
  }

  private Future<Void> checkRedisOnce() {
    if (redis == null) {
      LOG.info("no gateway.redis.url: rate limits hold per gateway instance, the cache is in memory");
      return Future.succeededFuture();
    }
    return redis.send(Request.cmd(Command.PING))
        .onSuccess(r -> LOG.info("rate limits and cache shared through redis at {}", redis.url()))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }

  @Override
  protected Future<JsonObject> checkHealth() {
    return super.checkHealth().compose(own -> clusterHealth == null ? Future.succeededFuture(own)
        : clusterHealth.check(own));
  }

  /** Live-stream clients get 1001 "gateway stopping" (a client that reconnects knows why). */
  @Override
  protected Future<?> beforeServerShutdown() {
    return liveStream == null ? Future.succeededFuture() : liveStream.close();
  }

  @Override
  protected Future<?> stopService() {
    if (backends != null) {
      backends.stop();
    }
    if (limiter != null) {
      limiter.close();
    }
    if (redis != null) {
      redis.close();
    }
    Future<Void> stream = liveStream == null ? Future.succeededFuture() : liveStream.close();
    return stream
        .eventually(() -> bus == null ? Future.succeededFuture() : bus.close())
        .eventually(() -> webSockets == null ? Future.succeededFuture() : webSockets.close())
        .eventually(() -> client == null ? Future.succeededFuture() : client.close());
  }
}
