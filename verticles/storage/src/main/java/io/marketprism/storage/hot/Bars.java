package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.marketprism.model.RecordLimits;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;

/**
 * OHLCV bars, the same from every store. Each store keeps exact 1-minute bars in a table
 * ({@link #TABLE}, one row per instrument and minute) that its writer maintains: after a batch
 * of trades is committed, the minutes it touched are marked pending, and at most every
 * {@link #FLUSH_DELAY_MS} (or before a kline query) their bars are recomputed from the stored,
 * de-duplicated trades of both tiers and replace the old rows. Redelivered trades therefore never
 * count twice, late trades correct old minutes, and archiving trades to the cold tier leaves the
 * bars in place. Longer intervals are aggregated from the 1-minute bars at query time. Every
 * figure is an exact decimal; nothing is computed in floating point.
 *
 * <p>The quote volume is summed from
 * {@code price × quantity} with both factors at {@link #PRODUCT_SCALE} fractional digits, so the
 * product ({@code Decimal(38, 20)}) cannot overflow where {@code Decimal(38,18)²} would (36
 * fractional digits leave two integer digits): it is exact for every price and quantity with at
 * most ten fractional digits, which covers what exchanges quote. Each product, and likewise each
 * quantity, is split into its whole units ({@code quote_units}, {@code volume_units}:
 * {@code Decimal(38, 0)}) and its fraction (under 1), summed apart and added in Java: a sum in
 * {@code Decimal(38, 20)} overflowed past about 1.7 × 10^18 (a few trades allowed one by one in a
 * minute, or a day's minutes), a sum of quantities in {@code Decimal(38, 18)} past 1.7 × 10^20,
 * which ClickHouse wrapped silently and DuckDB refused, failing the recomputation of every
 * instrument's bars. Units overflow only past 10^38: 10^18 trades at the largest quantity a trade
 * may have. A trade whose product a bar cannot hold is refused by
 * {@link RecordLimits#checkQuoteVolume}, at the collector and at ingest.
 */
public final class Bars {

  /** Fractional digits of each factor of the quote volume's products. */
  public static final int PRODUCT_SCALE = RecordLimits.QUOTE_FACTOR_SCALE;
  /** The table of 1-minute bars. */
  public static final String TABLE = "trade_bar_1m_v2";
  /**
   * The bars table of earlier versions (one quote volume column, which overflowed): dropped at
   * start, its bars computed again into {@link #TABLE} from the trades.
   */
  public static final String EARLIER_TABLE = "trade_bar_1m";
  /** Length of the stored bars. */
  public static final long MINUTE_MS = 60_000;
  /**
   * Longest time a touched minute waits before its bar is recomputed (kline queries do not wait:
   * they recompute their pending minutes first). A recomputation per second was a quarter of
   * ClickHouse's CPU at 2,700 records/s.
   */
  public static final long FLUSH_DELAY_MS = 5_000;

  private Bars() {
  }

  /**
   * @param tsMs a time, epoch ms
   * @return the open time of its minute
   */
  public static long minute(long tsMs) {
    return Math.floorDiv(tsMs, MINUTE_MS) * MINUTE_MS;
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
