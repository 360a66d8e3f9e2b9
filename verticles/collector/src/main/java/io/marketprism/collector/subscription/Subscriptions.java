package io.marketprism.collector.subscription;

import io.vertx.core.json.JsonObject;

/** What the collector collects, changeable at runtime. Called on the collector's context. */
public interface Subscriptions {

  /** @return {@code {"subscriptions":[{"exchange","market_type","symbol","exchange_symbol","data_types"}]}} */
  JsonObject list();

  /**
   * Adds symbols or data types; channels already collected are not touched.
   *
   * @param request the change
   * @return the resulting {@link #list()}
   * @throws IllegalArgumentException when the request cannot be applied (message for the client)
   */
  JsonObject add(SubscriptionRequest request);

  /**
   * Removes data types of symbols (the symbols entirely without {@code data_types}).
   *
   * @param request the change
   * @return the resulting {@link #list()}
   * @throws IllegalArgumentException when the request cannot be applied
   */
  JsonObject remove(SubscriptionRequest request);
}
