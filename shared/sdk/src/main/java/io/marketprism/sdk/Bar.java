package io.marketprism.sdk;

import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;

/**
 * One OHLCV bar of {@code GET /api/v1/storage/kline} (CONTRACT §5), computed by the storage from
 * its stored trades, with prices and volumes as the exact decimals the API serves (never a
 * {@code double}: a sum of quantities has to add up to the last satoshi).
 *
 * @param interval    the bar's interval, e.g. {@code 1m} or {@code 1h}
 * @param openTimeMs  the first millisecond of the bar (epoch ms, UTC)
 * @param closeTimeMs the last millisecond of the bar
 * @param open        the price of its first trade
 * @param high        its highest price
 * @param low         its lowest price
 * @param close       the price of its last trade
 * @param volume      the quantity traded, in the base asset
 * @param quoteVolume the sum of price × quantity, in the quote asset
 * @param tradeCount  how many trades it holds
 * @param closed      whether the bar is over and all of its trades are stored; an open bar (the
 *                    current one, or one whose late trades may still arrive) can still change
 */
public record Bar(String interval, long openTimeMs, long closeTimeMs, BigDecimal open, BigDecimal high,
                  BigDecimal low, BigDecimal close, BigDecimal volume, BigDecimal quoteVolume, long tradeCount,
                  boolean closed) {

  /**
   * Reads one element of the kline answer's {@code data}; throws a {@link MarketPrismException}
   * (code {@code bad_response}) naming the field when one is missing or not a number.
   */
  static Bar parse(JsonObject bar) {
    try {
      return new Bar(bar.getString("interval"), required(bar, "open_time_ms").longValue(),
          required(bar, "close_time_ms").longValue(), decimal(bar, "open"), decimal(bar, "high"),
          decimal(bar, "low"), decimal(bar, "close"), decimal(bar, "volume"), decimal(bar, "quote_volume"),
          required(bar, "trade_count").longValue(), bar.getBoolean("closed", false));
    } catch (ClassCastException | NumberFormatException e) {
      throw new MarketPrismException(0, "bad_response", "not a kline bar (" + e.getMessage() + "): " + bar.encode());
    }
  }

  private static Number required(JsonObject bar, String field) {
    Number n = bar.getNumber(field);
    if (n == null) {
      throw new MarketPrismException(0, "bad_response", "kline bar without " + field + ": " + bar.encode());
    }
    return n;
  }

  private static BigDecimal decimal(JsonObject bar, String field) {
    Object v = bar.getValue(field);
    if (v == null) {
      throw new MarketPrismException(0, "bad_response", "kline bar without " + field + ": " + bar.encode());
    }
    return new BigDecimal(v.toString());
  }
}
