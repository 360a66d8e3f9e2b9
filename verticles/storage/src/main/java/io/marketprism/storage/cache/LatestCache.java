package io.marketprism.storage.cache;

import io.vertx.core.Future;

import java.util.List;

/**
 * The newest record per (data type, exchange, market type, symbol), keyed by its subject,
 * updated as records flow; an older record never replaces a newer one.
 */
public interface LatestCache {

  /**
   * A record offered to the cache.
   *
   * @param subject its subject, {@code data_type.exchange.market_type.symbol}
   * @param tsMs its {@code ts_ms}
   * @param json its JSON
   */
  record Latest(String subject, long tsMs, String json) {
  }

  /**
   * Offers records; each replaces the cached one of its subject when it is at least as new.
   *
   * @param records records, at most one per subject
   * @return completes when the cache holds them
   */
  Future<Void> offer(List<Latest> records);

  /**
   * @param subject {@code data_type.exchange.market_type.symbol}
   * @return the newest record's JSON, or null when none was seen
   */
  Future<String> get(String subject);

  /** @return null while the cache works, else what is wrong with it, for health checks and the start-up log */
  default Future<String> problem() {
    return Future.succeededFuture();
  }

  /** @return completes when released */
  Future<Void> close();
}
