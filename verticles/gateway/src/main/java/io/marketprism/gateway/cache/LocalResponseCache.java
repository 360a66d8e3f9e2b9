package io.marketprism.gateway.cache;

import io.vertx.core.Future;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An in-memory LRU cache bounded by entry count, shared by the gateway verticle instances of one
 * process, so its methods synchronize.
 */
public final class LocalResponseCache implements ResponseCache {

  private record Entry(CachedResponse response, long expiresAt) {
  }

  private final LinkedHashMap<String, Entry> entries;

  public LocalResponseCache(int maxEntries) {
    this.entries = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** The entry of {@code key} when still fresh, else null. */
  public synchronized CachedResponse lookup(String key) {
    Entry e = entries.get(key);
    if (e == null) {
      return null;
    }
    if (System.currentTimeMillis() >= e.expiresAt()) {
      entries.remove(key);
      return null;
    }
    return e.response();
  }

  @Override
  public Future<CachedResponse> get(String key) {
    return Future.succeededFuture(lookup(key));
  }

  @Override
  public synchronized void put(String key, CachedResponse response, long ttlMs) {
    entries.put(key, new Entry(response, System.currentTimeMillis() + ttlMs));
  }

  public synchronized int size() {
    return entries.size();
  }
}
