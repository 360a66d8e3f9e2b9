package io.marketprism.storage.query;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketType;
import io.marketprism.platform.http.ApiError;
import io.vertx.core.MultiMap;

import java.util.List;

/**
 * A validated {@code GET /api/v1/storage/{data_type}} request: records with
 * {@code start <= ts_ms < end}, oldest first, after the cursor.
 *
 * @param type data type
 * @param exchange exchange filter or null
 * @param marketType market type filter or null
 * @param symbol symbol filter or null
 * @param startMs first time included, epoch ms
 * @param endMs first time excluded, epoch ms
 * @param limit records per page
 * @param cursor where the previous page ended, or null
 */
public record RecordQuery(DataType type, Exchange exchange, MarketType marketType, String symbol, long startMs,
    long endMs, int limit, Cursor cursor) {

  /** Default records per page (CONTRACT §5). */
  public static final int DEFAULT_LIMIT = 1000;
  /** Most records per page (CONTRACT §5). */
  public static final int MAX_LIMIT = 10_000;
  /** The parameters the route takes (CONTRACT §5). */
  public static final List<String> PARAMS = List.of("exchange", "market_type", "symbol", "start", "end", "limit",
      "cursor");

  /**
   * @param type the data type of the path
   * @param p the query parameters
   * @param nowMs the current time (the default end)
   * @return the validated query
   * @throws ApiError 400 for any bad parameter
   */
  public static RecordQuery parse(String type, MultiMap p, long nowMs) {
    DataType t = Params.dataType(type);
    Params.only(p, t == DataType.KLINE
        ? "GET /api/v1/storage/kline without interval (the exchanges' kline records; with interval=1m|5m|15m|1h|4h|1d"
            + " it answers bars computed from trades)"
        : "GET /api/v1/storage/" + t.wire(), PARAMS);
    Exchange ex = p.get("exchange") == null ? null : Params.exchange(p.get("exchange"));
    MarketType mt = p.get("market_type") == null ? null : Params.marketType(p.get("market_type"));
    String sym = p.get("symbol") == null ? null : Params.symbol(p.get("symbol"));
    long start = p.get("start") == null ? 0 : Params.time("start", p.get("start"));
    long end = p.get("end") == null ? nowMs + 1 : Params.time("end", p.get("end"));
    Params.ordered(start, end, p.get("end") == null);
    int limit = Params.limit(p.get("limit"), DEFAULT_LIMIT, MAX_LIMIT);
    RecordQuery q = new RecordQuery(t, ex, mt, sym, start, end, limit, null);
    String cursor = p.get("cursor");
    return cursor == null || cursor.isEmpty() ? q
        : new RecordQuery(t, ex, mt, sym, start, end, limit, Cursor.decode(cursor, q));
  }
}
