package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;

/**
 * The JSON form of one OHLCV bar, the same from every store. The quote volume is summed from
 * {@code price × quantity} with both factors at {@link #PRODUCT_SCALE} fractional digits, so the
 * product ({@code Decimal(38, 20)}) cannot overflow where {@code Decimal(38,18)²} would (36
 * fractional digits leave two integer digits): it is exact for every price and quantity with at
 * most ten fractional digits, which covers what exchanges quote.
 */
public final class Bars {

  /** Fractional digits of each factor of the quote volume's products. */
  public static final int PRODUCT_SCALE = 10;

  private Bars() {
  }

  /**
   * @param openTimeMs bar open time, epoch ms
   * @param open first trade price
   * @param high highest price
   * @param low lowest price
   * @param close last trade price
   * @param volume summed quantity
   * @param quoteVolume summed price × quantity
   * @param trades number of trades
   * @return {@code {"open_time_ms","open","high","low","close","volume","quote_volume","trade_count"}}
   */
  public static JsonObject bar(long openTimeMs, BigDecimal open, BigDecimal high, BigDecimal low, BigDecimal close,
      BigDecimal volume, BigDecimal quoteVolume, long trades) {
    return new JsonObject().put("open_time_ms", openTimeMs).put("open", Decimals.plain(open))
        .put("high", Decimals.plain(high)).put("low", Decimals.plain(low)).put("close", Decimals.plain(close))
        .put("volume", Decimals.plain(volume)).put("quote_volume", Decimals.plain(quoteVolume))
        .put("trade_count", trades);
  }
}
