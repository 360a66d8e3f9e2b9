package io.marketprism.gateway.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The gateway's connection to Redis, with an availability switch: after a connection failure or
 * a timeout Redis counts as down for {@code retry_ms}, during which {@link #send} fails at once
 * without touching the network, so callers fall back to local state without waiting. Then the
 * next command tries again; the pooled client opens fresh connections (it never reconnects by
 * itself). State changes are logged once, not per request.
 */
public final class RedisLink {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);

  /** The failure of a command sent while Redis counts as down. */
  public static final class Unavailable extends RuntimeException {
    Unavailable() {
      super("redis is unavailable", null, false, false);
    }
  }

  private static final Unavailable UNAVAILABLE = new Unavailable();

  private final RedisLinkOptions options;
  private final Redis redis;
  private volatile long downUntil;
  private volatile boolean down;

  private RedisLink(RedisLinkOptions options, Redis redis) {
    this.options = options;
    this.redis = redis;
  }

  /** A link to the configured Redis; connections are opened on first use. */
  public static RedisLink create(Vertx vertx, RedisLinkOptions options) {
    RedisOptions ro = new RedisOptions().setConnectionString(options.url())
        .setMaxPoolSize(options.maxPoolSize())
        .setMaxPoolWaiting(options.maxPoolSize() * 256)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout((int) options.timeoutMs()).setTcpNoDelay(true));
    return new RedisLink(options, Redis.createClient(vertx, ro));
  }

  /** Whether commands are being sent (false while Redis counts as down). */
  public boolean available() {
    return !down || System.currentTimeMillis() >= downUntil;
  }

  /** Whether the last command reached Redis (for health). */
  public boolean up() {
    return !down;
  }

  public String url() {
    return options.url();
  }

  /** A key under the gateway's prefix. */
  public String key(String suffix) {
    return options.keyPrefix() + suffix;
  }

  /**
   * Sends a command, bounded by {@code timeout_ms}. A reply, even an error reply, means Redis is
   * up; a connection failure or timeout marks it down.
   */
  public Future<Response> send(Request request) {
    if (!available()) {
      return Future.failedFuture(UNAVAILABLE);
    }
    return redis.send(request).timeout(options.timeoutMs(), TimeUnit.MILLISECONDS)
        .andThen(ar -> {
          if (ar.succeeded() || ar.cause() instanceof Response) {
            markUp();
          } else {
            markDown(ar.cause());
          }
        });
  }

  public void close() {
    redis.close();
  }

  private void markUp() {
    if (down) {
      down = false;
      LOG.info("redis at {} answers again: shared rate limits and cache are back", options.url());
    }
  }

  private void markDown(Throwable cause) {
    downUntil = System.currentTimeMillis() + options.retryMs();
    if (!down) {
      down = true;
      LOG.warn("redis at {} is unavailable ({}): rate limits are per gateway instance and the cache is local"
          + " until it is back; retrying every {} ms", options.url(), cause.toString(), options.retryMs());
    }
  }
}
