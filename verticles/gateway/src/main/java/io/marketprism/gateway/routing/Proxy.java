package io.marketprism.gateway.routing;

import io.marketprism.gateway.GatewayOptions;
import io.marketprism.gateway.cache.CacheOptions;
import io.marketprism.gateway.cache.CachedResponse;
import io.marketprism.gateway.cache.ResponseCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * Forwards {@code /api/v1/{service}/...} requests to an instance of the service: round-robin
 * over the instances whose breaker is not open, cached GET routes answered from the cache.
 * One {@link ProxyCall} carries each request.
 */
public final class Proxy {

  final HttpClient client;
  final GatewayOptions options;
  final ResponseCache cache;
  private final Counter hits;
  private final Counter misses;

  public Proxy(HttpClient client, GatewayOptions options, ResponseCache cache, MeterRegistry meters) {
    this.client = client;
    this.options = options;
    this.cache = cache;
    this.hits = Counter.builder("mp.gateway.cache.requests").tag("result", "hit")
        .description("cacheable GET requests by cache result").register(meters);
    this.misses = Counter.builder("mp.gateway.cache.requests").tag("result", "miss")
        .description("cacheable GET requests by cache result").register(meters);
  }

  /**
   * Routes the (paused) request of {@code ctx} to {@code pool}; {@code canonicalPath} selects
   * the cache rule and the backend timeout.
   */
  public void route(RoutingContext ctx, ServicePool pool, String canonicalPath, String requestId) {
    HttpMethod method = ctx.request().method();
    CacheOptions.Route rule = method == HttpMethod.GET ? options.cache().routeFor(canonicalPath) : null;
    long timeoutMs = options.backendTimeoutMs(canonicalPath);
    if (rule == null) {
      new ProxyCall(this, ctx, pool, requestId, null, timeoutMs).start();
      return;
    }
    String key = ctx.request().uri();
    cache.get(key).onComplete(ar -> {
      CachedResponse hit = ar.succeeded() ? ar.result() : null;
      if (hit != null) {
        hits.increment();
        ctx.request().resume();
        ctx.response().putHeader("X-Cache", "HIT");
        if (!hit.contentType().isEmpty()) {
          ctx.response().putHeader("Content-Type", hit.contentType());
        }
        ctx.response().end(hit.body());
        return;
      }
      misses.increment();
      new ProxyCall(this, ctx, pool, requestId, rule, timeoutMs).start();
    });
  }
}
