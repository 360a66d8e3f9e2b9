package io.marketprism.storage.cache;

import io.marketprism.model.MarketRecord;
import io.vertx.core.Future;

import java.util.List;

/**
 * The newest record per (data type, exchange, market type, symbol), keyed by its subject,
 * updated as records flow; an older record never replaces a newer one.
 */
public interface LatestCache {

  /**
   * Offers records; each replaces the cached one of its subject when it is at least as new.
   *
   * @param records records in any order
   * @return completes when the cache holds them
   */
  Future<Void> offer(List<MarketRecord> records);

  /**
   * @param subject {@code data_type.exchange.market_type.symbol}
   * @return the newest record's JSON, or null when none was seen
   */
  Future<String> get(String subject);

  /** @return completes when released */
  Future<Void> close();
}
