package io.marketprism.gateway.redis;

import io.marketprism.platform.config.ConfigException;
import io.marketprism.platform.config.ConfigReader;

/**
 * The Redis the gateways of a cluster share ({@code gateway.redis}).
 *
 * @param url         e.g. {@code redis://127.0.0.1:6379/0}; null when not configured (then
 *                    limits are per gateway instance and the cache is in memory)
 * @param timeoutMs   one command must answer within this, else Redis counts as down
 * @param retryMs     after a failure Redis is left alone (local fallback) for this long
 * @param keyPrefix   prefix of every key the gateway writes
 * @param maxPoolSize connections to Redis
 */
public record RedisLinkOptions(String url, long timeoutMs, long retryMs, String keyPrefix, int maxPoolSize) {

  public static RedisLinkOptions from(ConfigReader section) {
    String url = section.string("url", "");
    if (url.isBlank()) {
      url = null;
    } else if (!url.startsWith("redis://") && !url.startsWith("rediss://") && !url.startsWith("unix://")) {
      throw new ConfigException(section.key("url"), "must be a redis://, rediss:// or unix:// URL, got '" + url + "'");
    }
    return new RedisLinkOptions(url,
        section.longIn("timeout_ms", 10, 60_000, 250),
        section.longIn("retry_ms", 100, 600_000, 2000),
        section.string("key_prefix", "mp:gw:"),
        section.intIn("max_pool_size", 1, 1024, 16));
  }

  public boolean configured() {
    return url != null;
  }
}
