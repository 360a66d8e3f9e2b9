package io.marketprism.gateway.cache;

import io.marketprism.gateway.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;

/**
 * The cache shared by all gateways, in Redis ({@code SET key value PX ttl}). While Redis is down
 * the local cache serves instead, so a Redis outage costs hit rate, never requests.
 */
public final class RedisResponseCache implements ResponseCache {

  private final RedisLink redis;
  private final LocalResponseCache local;

  public RedisResponseCache(RedisLink redis, LocalResponseCache local) {
    this.redis = redis;
    this.local = local;
  }

  @Override
  public Future<CachedResponse> get(String key) {
    if (!redis.available()) {
      return local.get(key);
    }
    return redis.send(Request.cmd(Command.GET).arg(redis.key("cache:" + key)))
        .map(r -> r == null ? null : CachedResponse.decode(r.toBuffer()))
        .otherwise(err -> local.lookup(key));
  }

  @Override
  public void put(String key, CachedResponse response, long ttlMs) {
    if (!redis.available()) {
      local.put(key, response, ttlMs);
      return;
    }
    redis.send(Request.cmd(Command.SET).arg(redis.key("cache:" + key)).arg(response.encode())
            .arg("PX").arg(ttlMs))
        .onFailure(err -> local.put(key, response, ttlMs));
  }
}
