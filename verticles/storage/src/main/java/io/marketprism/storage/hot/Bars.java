package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;

/** The JSON form of one OHLCV bar, the same from every store. */
public final class Bars {

  private Bars() {
  }

  /**
   * @param openTimeMs bar open time, epoch ms
   * @param open first trade price
   * @param high highest price
   * @param low lowest price
   * @param close last trade price
   * @param volume summed quantity
   * @param trades number of trades
   * @return {@code {"open_time_ms","open","high","low","close","volume","trade_count"}}
   */
  public static JsonObject bar(long openTimeMs, BigDecimal open, BigDecimal high, BigDecimal low, BigDecimal close,
      BigDecimal volume, long trades) {
    return new JsonObject().put("open_time_ms", openTimeMs).put("open", Decimals.plain(open))
        .put("high", Decimals.plain(high)).put("low", Decimals.plain(low)).put("close", Decimals.plain(close))
        .put("volume", Decimals.plain(volume)).put("trade_count", trades);
  }
}
