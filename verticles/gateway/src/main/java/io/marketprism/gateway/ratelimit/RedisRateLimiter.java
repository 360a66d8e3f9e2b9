package io.marketprism.gateway.ratelimit;

import io.marketprism.gateway.ratelimit.RateLimitOptions.RouteClass;
import io.marketprism.gateway.redis.RedisLink;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Token buckets in Redis, shared by every gateway of the cluster, so a client's limit holds
 * cluster-wide. Each take is one atomic Lua script (sent as {@code EVALSHA}, with {@code EVAL}
 * when Redis does not know it yet) that refills by Redis's own clock, takes a token and lets
 * the key expire once the bucket would be full again. When Redis is down the local buckets
 * answer, so requests never fail because of Redis.
 */
public final class RedisRateLimiter implements RateLimiter {

  static final String SCRIPT = """
      local capacity = tonumber(ARGV[1])
      local rate = tonumber(ARGV[2])
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
      local tokens = tonumber(b[1])
      local ts = tonumber(b[2])
      if tokens == nil or ts == nil then
        tokens = capacity
        ts = now
      end
      if now > ts then
        tokens = math.min(capacity, tokens + (now - ts) * rate / 1000)
      else
        now = ts
      end
      local allowed = 0
      local wait = 0
      if tokens >= 1 then
        tokens = tokens - 1
        allowed = 1
      else
        wait = math.ceil((1 - tokens) * 1000 / rate)
      end
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
      redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
      return {allowed, math.floor(tokens), wait}
      """;

  static final String SHA = sha1(SCRIPT);

  private final RedisLink redis;
  private final LocalRateLimiter local;

  public RedisRateLimiter(RedisLink redis, LocalRateLimiter local) {
    this.redis = redis;
    this.local = local;
  }

  @Override
  public Future<Decision> take(RouteClass rc, String client) {
    if (!redis.available()) {
      return local.take(rc, client);
    }
    String key = redis.key("rl:" + rc.name() + ":" + client);
    String capacity = Integer.toString(rc.capacity());
    String rate = Double.toString(rc.refillPerSecond());
    return redis.send(Request.cmd(Command.EVALSHA).arg(SHA).arg(1).arg(key).arg(capacity).arg(rate))
        .recover(err -> isNoScript(err)
            ? redis.send(Request.cmd(Command.EVAL).arg(SCRIPT).arg(1).arg(key).arg(capacity).arg(rate))
            : Future.failedFuture(err))
        .map(r -> decision(rc, r))
        .otherwise(err -> local.takeNow(rc, client));
  }

  private static Decision decision(RouteClass rc, Response r) {
    boolean allowed = r.get(0).toInteger() == 1;
    long remaining = Math.max(0, r.get(1).toLong());
    long waitMs = r.get(2).toLong();
    return new Decision(allowed, rc.capacity(), allowed ? remaining : 0, allowed ? 0 : Math.max(1, (waitMs + 999) / 1000));
  }

  private static boolean isNoScript(Throwable err) {
    return err instanceof Response && err.getMessage() != null && err.getMessage().startsWith("NOSCRIPT");
  }

  @Override
  public void close() {
    local.close();
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-1", e);
    }
  }
}
