package io.marketprism.gateway.ratelimit;

import io.marketprism.gateway.ratelimit.RateLimitOptions.RouteClass;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token buckets in this gateway's memory: the limits hold per gateway instance. Memory is
 * bounded: at most {@code max_clients} buckets per class (least recently used dropped first),
 * and a sweep every few seconds drops the buckets that have filled up again, since a full bucket
 * is the same as none. Shared by the gateway verticle instances of one process (one per event
 * loop), so its methods synchronize; the lock is held for a few map operations.
 */
public final class LocalRateLimiter implements RateLimiter {

  private static final long SWEEP_MS = 10_000;

  private final Vertx vertx;
  private final int maxClients;
  private final Map<String, LinkedHashMap<String, TokenBucket>> byClass = new HashMap<>();
  private final Map<String, RouteClass> classes = new HashMap<>();
  private final long timer;

  public LocalRateLimiter(Vertx vertx, int maxClients) {
    this.vertx = vertx;
    this.maxClients = maxClients;
    this.timer = vertx.setPeriodic(SWEEP_MS, id -> sweep());
  }

  /** Takes a token at once (the local answer, also the fallback of the Redis limiter). */
  public synchronized Decision takeNow(RouteClass rc, String client) {
    long now = System.nanoTime();
    Map<String, TokenBucket> buckets = byClass.computeIfAbsent(rc.name(), k -> {
      classes.put(k, rc);
      return new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenBucket> eldest) {
          return size() > maxClients;
        }
      };
    });
    TokenBucket bucket = buckets.get(client);
    if (bucket == null) {
      bucket = new TokenBucket(rc.capacity(), now);
      buckets.put(client, bucket);
    }
    long left = bucket.take(rc.capacity(), rc.refillPerSecond(), now);
    if (left >= 0) {
      return new Decision(true, rc.capacity(), left, 0);
    }
    return new Decision(false, rc.capacity(), 0, Math.max(1, (-left + 999_999_999L) / 1_000_000_000L));
  }

  @Override
  public Future<Decision> take(RouteClass routeClass, String client) {
    return Future.succeededFuture(takeNow(routeClass, client));
  }

  /** Buckets held now, all classes together. */
  public synchronized int size() {
    return byClass.values().stream().mapToInt(Map::size).sum();
  }

  synchronized void sweep() {
    long now = System.nanoTime();
    byClass.forEach((name, buckets) -> {
      RouteClass rc = classes.get(name);
      buckets.values().removeIf(b -> b.full(rc.capacity(), rc.refillPerSecond(), now));
    });
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
  }
}
