package io.marketprism.storage.query;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.platform.http.ApiError;
import io.vertx.core.MultiMap;

import java.util.List;
import java.util.Map;

/**
 * A validated {@code GET /api/v1/storage/kline} request: OHLCV bars of one instrument computed
 * from its stored trades, bars aligned to UTC multiples of the interval, {@code start <= open < end},
 * each bar whole (every trade of its interval, also those at or after {@code end}).
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol symbol
 * @param interval interval name
 * @param intervalMs interval length
 * @param startMs first time included
 * @param endMs first time excluded
 */
public record KlineQuery(Exchange exchange, MarketType marketType, String symbol, String interval, long intervalMs,
    long startMs, long endMs) {

  /** The intervals served (CONTRACT §5). */
  public static final Map<String, Long> INTERVALS = Map.of("1m", 60_000L, "5m", 300_000L, "15m", 900_000L,
      "1h", 3_600_000L, "4h", 14_400_000L, "1d", 86_400_000L);
  /** The parameters the route takes (CONTRACT §5). */
  public static final List<String> PARAMS = List.of("exchange", "market_type", "symbol", "interval", "start", "end");
  /** Most bars in one answer. */
  public static final long MAX_BARS = 100_000;

  /** @return the open time of the first bar: {@code start} rounded up to the interval */
  public long firstOpenMs() {
    return Math.floorDiv(startMs + intervalMs - 1, intervalMs) * intervalMs;
  }

  /** @return the first open time after the last bar: {@code end} rounded up to the interval */
  public long openEndMs() {
    return Math.floorDiv(endMs + intervalMs - 1, intervalMs) * intervalMs;
  }

  /**
   * @param p the query parameters
   * @param nowMs the current time (the default end; the default start is a day before the end)
   * @return the validated query
   * @throws ApiError 400 for any bad parameter
   */
  public static KlineQuery parse(MultiMap p, long nowMs) {
    for (String paging : new String[] {"limit", "cursor"}) {
      if (p.contains(paging)) {
        throw ApiError.badRequest("kline answers its whole range at once (at most " + MAX_BARS
            + " bars) and takes no " + paging + "; narrow start and end instead");
      }
    }
    Params.only(p, "GET /api/v1/storage/kline", PARAMS);
    for (String required : new String[] {"exchange", "market_type", "symbol"}) {
      if (p.get(required) == null) {
        throw ApiError.badRequest(required + " is required");
      }
    }
    Exchange ex = Params.exchange(p.get("exchange"));
    MarketType mt = Params.marketType(p.get("market_type"));
    String sym = Params.symbol(p.get("symbol"));
    String interval = p.get("interval") == null ? "1m" : p.get("interval");
    Long ms = INTERVALS.get(interval);
    if (ms == null) {
      throw ApiError.badRequest("interval '" + interval + "' is not one of 1m, 5m, 15m, 1h, 4h, 1d");
    }
    long end = p.get("end") == null ? nowMs + 1 : Params.time("end", p.get("end"));
    long start = p.get("start") == null ? Math.max(0, end - 86_400_000L) : Params.time("start", p.get("start"));
    Params.ordered(start, end, p.get("end") == null);
    if ((end - start) / ms > MAX_BARS) {
      throw ApiError.badRequest("the range holds more than " + MAX_BARS + " bars of " + interval + "; narrow it");
    }
    return new KlineQuery(ex, mt, sym, interval, ms, start, end);
  }
}
