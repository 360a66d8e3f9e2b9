package io.marketprism.storage.hot;

import io.marketprism.model.Decimals;
import io.marketprism.model.RecordLimits;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

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
 * <p>The quote volume is exact for every price and quantity a record holds ({@code Decimal(38, 18)}),
 * whose product may have 36 fractional digits where a 38-digit decimal leaves two integer ones.
 * Each factor is split into its part cut to {@link #PRODUCT_SCALE} fractional digits and the rest
 * (under {@code 10^-PRODUCT_SCALE}): price {@code a + b}, quantity {@code c + d}, and
 * {@code p × q = a·c + (a·d + b·c) + b·d}, each term of a type that holds it: {@code a·c} at scale 20
 * (18 integer digits: under 10^18, as {@link RecordLimits#checkQuoteVolume} keeps every product), the
 * cross terms at scale 28 (each under 10^20 × 10^-10) and {@code b·d} at scale 36 (under 10^-20).
 * Factors of at most ten fractional digits (what exchanges quote) have no rest; with more, a bar
 * summed the cut factors alone, so its quote volume was off (0.00000000123 × 1,000,000 gave 0.0012), and
 * differently in ClickHouse (which truncates the cut) and DuckDB (which rounded it). Both stores
 * truncate the cut: rounded up, two factors whose product is just under 10^18 multiplied to 10^18,
 * which overflowed DuckDB's {@code a·c} and failed every recomputation of bars.
 * Each product term, and likewise each quantity, is split into its whole units ({@code quote_units},
 * {@code volume_units}: {@code Decimal(38, 0)}) and its fraction (under 1), summed apart and added in
 * Java: a sum in {@code Decimal(38, 20)} overflowed past about 1.7 × 10^18 (a few trades allowed one
 * by one in a minute, or a day's minutes), a sum of quantities in {@code Decimal(38, 18)} past
 * 1.7 × 10^20, which ClickHouse wrapped silently and DuckDB refused, failing the recomputation of every
 * instrument's bars. Units overflow only past 10^38: 10^18 trades at the largest quantity a trade
 * may have. A trade whose product a bar cannot hold is refused by
 * {@link RecordLimits#checkQuoteVolume}, at the collector and at ingest.
 */
public final class Bars {

  /** Fractional digits of each factor of the quote volume's products. */
  public static final int PRODUCT_SCALE = RecordLimits.QUOTE_FACTOR_SCALE;
  /** Fractional digits of a stored price or quantity. */
  public static final int STORED_SCALE = 18;
  /** The table of 1-minute bars. */
  public static final String TABLE = "trade_bar_1m_v3";
  /**
   * The bars tables of earlier versions (one quote volume column, which overflowed; quote volumes
   * of factors cut to ten digits): dropped at start, their bars computed again into {@link #TABLE}
   * from the trades.
   */
  public static final List<String> EARLIER_TABLES = List.of("trade_bar_1m", "trade_bar_1m_v2");
  /**
   * The quote volume's columns after {@code quote_units}, with their scales: the fractions of
   * {@code a·c} and of the cross terms, and the sum of {@code b·d}.
   */
  public static final Map<String, Integer> QUOTE_FRACTIONS = quoteFractions();
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

  private static Map<String, Integer> quoteFractions() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("quote_fraction", 2 * PRODUCT_SCALE);
    m.put("quote_cross_fraction", PRODUCT_SCALE + STORED_SCALE);
    m.put("quote_tiny", 2 * STORED_SCALE);
    return java.util.Collections.unmodifiableMap(m);
  }

  /**
   * The aggregates of the quote volume's columns, {@code quote_units} then {@link #QUOTE_FRACTIONS},
   * in one store's SQL.
   *
   * @param cut SQL of a decimal truncated to {@link #PRODUCT_SCALE} fractional digits
   * @param units SQL of a decimal's whole units, truncated (so the rest is under 1 and keeps its sign)
   * @return the four aggregates, comma-separated
   */
  public static String quoteSums(UnaryOperator<String> cut, UnaryOperator<String> units) {
    String a = cut.apply("price");
    String c = cut.apply("quantity");
    String ac = a + " * " + c;
    String cross = "(" + a + " * (quantity - " + c + ") + (price - " + a + ") * " + c + ")";
    String tiny = "(price - " + a + ") * (quantity - " + c + ")";
    return "sum(" + units.apply(ac) + " + " + units.apply(cross) + "), sum(" + ac + " - " + units.apply(ac)
        + "), sum(" + cross + " - " + units.apply(cross) + "), sum(" + tiny + ")";
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
