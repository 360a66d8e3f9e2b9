package io.marketprism.gateway;

import io.marketprism.platform.auth.AuthOptions;
import io.marketprism.gateway.breaker.BreakerOptions;
import io.marketprism.gateway.cache.CacheOptions;
import io.marketprism.gateway.ratelimit.RateLimitOptions;
import io.marketprism.gateway.redis.RedisLinkOptions;
import io.marketprism.gateway.routing.PathPrefix;
import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code gateway} section of the configuration, validated: a bad value stops start-up with
 * a {@link ConfigException} naming the key and what is allowed. {@code conf/marketprism.yaml}
 * documents every key with its default.
 *
 * @param host              interface of the public HTTP server
 * @param port              public HTTP port (0: any free port)
 * @param backendTimeoutMs  a proxied request gets its response head within this or a 504, unless
 *                          a route of {@code routeTimeouts} says otherwise
 * @param routeTimeouts     path prefixes whose requests may take longer (or must take less) than
 *                          {@code backendTimeoutMs}, longest prefix first
 * @param connectTimeoutMs  connecting to a backend instance takes at most this
 * @param maxBodyBytes      larger request bodies are refused with 413
 * @param maxHeaderBytes    larger request header blocks are refused with 431
 * @param maxUriLength      longer request lines are refused with 414
 * @param services          services routed under {@code /api/v1/{service}} even while none of
 *                          their instances runs (503 then); any other discovered service is
 *                          routed too, everything else is 404
 * @param webSocketRoutes   WebSocket path → service that serves it
 * @param pool              the keep-alive connection pool to backends
 * @param breaker           the circuit breaker of each backend instance
 * @param rateLimits        token buckets per client and route class
 * @param redis             the Redis shared by the gateways (cluster-wide limits, shared cache)
 * @param auth              API keys, JWT and admin routes
 * @param cache             cached GET routes
 * @param health            how {@code /health} checks the cluster
 */
public record GatewayOptions(String host, int port, long backendTimeoutMs, List<RouteTimeout> routeTimeouts,
                             int connectTimeoutMs,
                             long maxBodyBytes, int maxHeaderBytes, int maxUriLength, Set<String> services,
                             Map<String, String> webSocketRoutes, PoolSettings pool, BreakerOptions breaker,
                             RateLimitOptions rateLimits, RedisLinkOptions redis, AuthOptions auth,
                             CacheOptions cache, HealthSettings health) {

  /** The services of CONTRACT §1 that the gateway routes to. */
  public static final List<String> DEFAULT_SERVICES =
      List.of("collector", "storage", "scheduler", "monitoring", "broker", "simulator");

  /**
   * A backend timeout of its own for the requests under a path prefix: a route that works
   * longer than the others, such as {@code POST /api/v1/storage/archive}, answers when it is done.
   *
   * @param prefix    a canonical path prefix (whole segments)
   * @param timeoutMs its requests get their response head within this or a 504
   */
  public record RouteTimeout(String prefix, long timeoutMs) {
  }

  /**
   * @param canonicalPath a request's canonical path
   * @return the time its backend has to answer: the longest matching prefix's of
   *     {@code route_timeouts}, else {@code backend_timeout_ms}
   */
  public long backendTimeoutMs(String canonicalPath) {
    for (RouteTimeout r : routeTimeouts) {
      if (PathPrefix.matches(canonicalPath, r.prefix())) {
        return r.timeoutMs();
      }
    }
    return backendTimeoutMs;
  }

  /**
   * Connection pool to the backends.
   *
   * @param maxPerInstance  keep-alive HTTP/1.1 connections per backend instance
   * @param maxWaitQueue    requests waiting for a connection before new ones fail (503)
   * @param keepAliveSeconds an idle pooled connection is closed after this
   */
  public record PoolSettings(int maxPerInstance, int maxWaitQueue, int keepAliveSeconds) {
  }

  /**
   * Cluster health.
   *
   * @param timeoutMs        each instance's {@code /health} must answer within this
   * @param requiredServices services that must have at least one instance UP
   */
  public record HealthSettings(long timeoutMs, Set<String> requiredServices) {
  }

  /** Reads and validates {@code gateway} of the root configuration tree. */
  public static GatewayOptions from(JsonObject root) {
    ConfigReader gw = ConfigReader.root(root, "gateway");
    long backendTimeout = gw.longIn("backend_timeout_ms", 10, 600_000, 5000);
    List<RouteTimeout> routeTimeouts = routeTimeouts(gw);
    // the breaker's own limit must not cut a call short of its route's (each call enforces its own)
    long longestTimeout = routeTimeouts.stream().mapToLong(RouteTimeout::timeoutMs).max().orElse(0);
    ConfigReader poolCfg = gw.section("pool");
    ConfigReader healthCfg = gw.section("health");
    return new GatewayOptions(
        gw.string("host", "0.0.0.0"),
        gw.port("port", 8080),
        backendTimeout,
        routeTimeouts,
        gw.intIn("connect_timeout_ms", 10, 60_000, 1000),
        gw.longIn("max_body_bytes", 0, 1L << 30, 1_048_576),
        gw.intIn("max_header_bytes", 1024, 1_048_576, 8192),
        gw.intIn("max_uri_length", 256, 1_048_576, 4096),
        names(gw, "services", DEFAULT_SERVICES),
        webSocketRoutes(gw.section("websocket")),
        new PoolSettings(poolCfg.intIn("max_per_instance", 1, 10_000, 64),
            poolCfg.intIn("max_wait_queue", 0, 1_000_000, 8192),
            poolCfg.intIn("keep_alive_seconds", 1, 3600, 60)),
        BreakerOptions.from(gw.section("breaker"), Math.max(backendTimeout, longestTimeout)),
        RateLimitOptions.from(gw.section("rate_limits")),
        RedisLinkOptions.from(gw.section("redis")),
        AuthOptions.from(gw.section("auth")),
        CacheOptions.from(gw.section("cache")),
        new HealthSettings(healthCfg.longIn("timeout_ms", 50, 60_000, 1000),
            names(healthCfg, "required_services", List.of())));
  }

  private static Set<String> names(ConfigReader section, String key, List<String> def) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : section.strings(key, def)) {
      if (!s.matches("[a-z][a-z0-9-]*")) {
        throw new ConfigException(section.key(key), "service names are lower-case letters, digits and '-', got '" + s + "'");
      }
      out.add(s);
    }
    return Set.copyOf(out);
  }

  private static List<RouteTimeout> routeTimeouts(ConfigReader gw) {
    List<RouteTimeout> out = new ArrayList<>();
    for (ConfigReader r : gw.list("route_timeouts")) {
      r.onlyKeys(List.of("prefix", "timeout_ms"));
      String prefix = r.requiredString("prefix");
      if (!PathPrefix.valid(prefix)) {
        throw new ConfigException(r.key("prefix"), "must be an absolute path without query, got '" + prefix + "'");
      }
      if (!r.has("timeout_ms")) {
        throw new ConfigException(r.key("timeout_ms"), "is required (the route's backend timeout, 10 to 3600000 ms)");
      }
      out.add(new RouteTimeout(prefix, r.longIn("timeout_ms", 10, 3_600_000, 0)));
    }
    // the longest prefix wins, so a specific rule can override a general one
    out.sort(Comparator.comparingInt((RouteTimeout r) -> r.prefix().length()).reversed());
    return List.copyOf(out);
  }

  private static Map<String, String> webSocketRoutes(ConfigReader ws) {
    ConfigReader routes = ws.section("routes");
    Map<String, String> out = new LinkedHashMap<>();
    for (String path : routes.json().fieldNames()) {
      if (!path.startsWith("/ws/")) {
        throw new ConfigException(routes.key(path), "a WebSocket route is a path under /ws/, got '" + path + "'");
      }
      out.put(path, routes.requiredString(path));
    }
    return out;
  }
}
