package io.marketprism.gateway.ratelimit;

import io.marketprism.gateway.ratelimit.RateLimitOptions.RouteClass;
import io.vertx.core.Future;

/** Takes one token from the bucket of a client in a route class. */
public interface RateLimiter {

  /** Never fails: when the shared store is down the answer comes from local buckets. */
  Future<Decision> take(RouteClass routeClass, String client);

  /** Releases timers and connections. */
  void close();
}
