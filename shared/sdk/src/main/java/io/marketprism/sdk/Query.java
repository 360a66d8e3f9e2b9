package io.marketprism.sdk;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;

/**
 * Which stored records: an instrument filter and an optional time range (epoch ms), limit and
 * cursor. Immutable; each setter returns a copy.
 *
 * <p>{@code exchange}, {@code marketType} and {@code symbol} are filters of
 * {@code GET /api/v1/storage/{data_type}}: a null one is left out, so that
 * {@code new Query("binance", null, null)} asks for the records of every Binance instrument and
 * {@code new Query(null, null, null)} for all. {@link MarketPrismClient#klines} and
 * {@link MarketPrismClient#latest} name one instrument: the API refuses them without all three.
 */
public record Query(String exchange, String marketType, String symbol, Long start, Long end, Integer limit,
                    String cursor) {

  public Query(String exchange, String marketType, String symbol) {
    this(exchange, marketType, symbol, null, null, null, null);
  }

  public Query start(long epochMs) {
    return new Query(exchange, marketType, symbol, epochMs, end, limit, cursor);
  }

  public Query end(long epochMs) {
    return new Query(exchange, marketType, symbol, start, epochMs, limit, cursor);
  }

  /** 1 to 10000 records per page (the API's default is 1000). */
  public Query limit(int n) {
    return new Query(exchange, marketType, symbol, start, end, n, cursor);
  }

  public Query cursor(String c) {
    return new Query(exchange, marketType, symbol, start, end, limit, c);
  }

  void applyTo(HttpRequest<Buffer> req) {
    applyRangeTo(req);
    addIfSet(req, "limit", limit);
    addIfSet(req, "cursor", cursor);
  }

  /** The instrument and the time range alone (klines take no paging). */
  void applyRangeTo(HttpRequest<Buffer> req) {
    addIfSet(req, "exchange", exchange);
    addIfSet(req, "market_type", marketType);
    addIfSet(req, "symbol", symbol);
    addIfSet(req, "start", start);
    addIfSet(req, "end", end);
  }

  /** Adds the parameter unless its value is null (left out: the API's default, or no filter). */
  private static void addIfSet(HttpRequest<Buffer> req, String name, Object value) {
    if (value != null) {
      req.addQueryParam(name, value.toString());
    }
  }
}
