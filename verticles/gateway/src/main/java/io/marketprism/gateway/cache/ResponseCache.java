package io.marketprism.gateway.cache;

import io.vertx.core.Future;

/** Where cached GET responses live, keyed by path and query. */
public interface ResponseCache {

  /** The cached response of {@code key}, or a null result on a miss (never a failure). */
  Future<CachedResponse> get(String key);

  /** Stores a response for {@code ttlMs}; best effort, failures are dropped. */
  void put(String key, CachedResponse response, long ttlMs);
}
