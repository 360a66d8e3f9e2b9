package io.marketprism.sdk;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpRequest;

/**
 * Which stored records: one instrument and an optional time range (epoch ms), limit and cursor.
 * Immutable; each setter returns a copy.
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
    if (limit != null) {
      req.addQueryParam("limit", limit.toString());
    }
    if (cursor != null) {
      req.addQueryParam("cursor", cursor);
    }
  }

  /** The instrument and the time range alone (klines take no paging). */
  void applyRangeTo(HttpRequest<Buffer> req) {
    req.addQueryParam("exchange", exchange).addQueryParam("market_type", marketType).addQueryParam("symbol", symbol);
    if (start != null) {
      req.addQueryParam("start", start.toString());
    }
    if (end != null) {
      req.addQueryParam("end", end.toString());
    }
  }
}
