package io.marketprism.model;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The values a record must hold to be stored: one set of rules for the collector, which refuses an
 * exchange message that breaks them (the record would be refused downstream, after the bus), and
 * for the stores, which refuse such a record alone. Times, ids and counts are unsigned (ClickHouse
 * keeps them as {@code UInt64}), {@code ts_ms} partitions the tables by a {@code DateTime} (seconds
 * in 32 bits: up to 2106), decimals are {@code Decimal(38,18)}, text a record cannot be without
 * is not empty, and a trade's {@code price × quantity} fits a bar's quote volume.
 */
public final class RecordLimits {

  /** Digits after the point the stores keep. */
  public static final int SCALE = 18;
  /** Digits before the point the stores keep. */
  public static final int INTEGER_DIGITS = 20;
  /** The latest {@code ts_ms} the stores hold: the last millisecond of a 32-bit {@code DateTime}. */
  public static final long MAX_TS_MS = 0xFFFF_FFFFL * 1000 + 999;
  /**
   * The longest symbol the stores take, in UTF-8 bytes: the query API's is 64 characters, and a
   * bar recomputation names 1,000 minutes of symbols in one statement, which ClickHouse parses
   * only up to 256 KiB.
   */
  public static final int MAX_SYMBOL_BYTES = 64;
  /**
   * Fractional digits of each factor when the stores sum a bar's quote volume ({@code price ×
   * quantity}, into a {@code Decimal(38, 2 × QUOTE_FACTOR_SCALE)}): {@code Decimal(38,18)²} would
   * leave two integer digits, this leaves {@link #QUOTE_VOLUME_DIGITS} and is exact for every price
   * and quantity with at most ten fractional digits.
   */
  public static final int QUOTE_FACTOR_SCALE = 10;
  /** The integer digits of a bar's quote volume. */
  public static final int QUOTE_VOLUME_DIGITS = 38 - 2 * QUOTE_FACTOR_SCALE;
  /**
   * What a bar's quote volume holds, exclusive: a trade whose {@code price × quantity} reaches it
   * is refused ({@link #checkQuoteVolume}); stored, it would make every recomputation of its
   * minute's bar fail, and with it every flush of bars and every kline query.
   */
  public static final BigDecimal MAX_QUOTE_VOLUME = BigDecimal.TEN.pow(QUOTE_VOLUME_DIGITS);
  /** A trade's {@code side} (the taker's) and a liquidation's (the liquidated order's): CONTRACT §3. */
  public static final List<String> SIDES = List.of("buy", "sell");

  private RecordLimits() {
  }

  /**
   * Checks every field of a record.
   *
   * @param r a record
   * @throws IllegalArgumentException naming the first field the stores cannot hold
   */
  public static void check(MarketRecord r) {
    checkCommon(r.symbol(), r.exchangeSymbol(), r.tsMs(), r.recvTsUs());
    if (r instanceof TradeRecord t) {
      checkText("trade_id", t.tradeId(), true);
      checkDecimal("price", t.price(), true);
      checkDecimal("quantity", t.quantity(), true);
      checkSide(t.side(), true);
      checkQuoteVolume(t.price(), t.quantity());
    } else if (r instanceof OrderBookRecord b) {
      checkLevels("bids", b.bids());
      checkLevels("asks", b.asks());
      checkInteger("depth", b.depth());
      checkInteger("last_update_id", b.lastUpdateId());
    } else if (r instanceof TickerRecord t) {
      checkDecimal("best_bid", t.bestBid(), false);
      checkDecimal("best_bid_qty", t.bestBidQty(), false);
      checkDecimal("best_ask", t.bestAsk(), false);
      checkDecimal("best_ask_qty", t.bestAskQty(), false);
      checkDecimal("last_price", t.lastPrice(), false);
      checkDecimal("volume_24h", t.volume24h(), false);
      checkDecimal("quote_volume_24h", t.quoteVolume24h(), false);
      checkDecimal("high_24h", t.high24h(), false);
      checkDecimal("low_24h", t.low24h(), false);
      checkInteger("update_id", t.updateId());
    } else if (r instanceof KlineRecord k) {
      checkText("interval", k.interval(), true);
      checkInteger("open_time_ms", k.openTimeMs());
      checkInteger("close_time_ms", k.closeTimeMs());
      checkDecimal("open", k.open(), false);
      checkDecimal("high", k.high(), false);
      checkDecimal("low", k.low(), false);
      checkDecimal("close", k.close(), false);
      checkDecimal("volume", k.volume(), false);
      checkDecimal("quote_volume", k.quoteVolume(), false);
      checkInteger("trade_count", k.tradeCount());
    } else if (r instanceof FundingRateRecord f) {
      checkDecimal("funding_rate", f.fundingRate(), false);
      checkInteger("funding_time_ms", f.fundingTimeMs());
      checkInteger("next_funding_time_ms", f.nextFundingTimeMs());
      checkDecimal("estimated_rate", f.estimatedRate(), false);
    } else if (r instanceof MarkPriceRecord m) {
      checkDecimal("mark_price", m.markPrice(), false);
      checkDecimal("index_price", m.indexPrice(), false);
    } else if (r instanceof OpenInterestRecord o) {
      checkDecimal("open_interest", o.openInterest(), false);
      checkDecimal("open_interest_value", o.openInterestValue(), false);
    } else if (r instanceof LiquidationRecord l) {
      checkSide(l.side(), false);
      checkDecimal("price", l.price(), false);
      checkDecimal("quantity", l.quantity(), false);
      checkText("order_id", l.orderId(), false);
    } else if (r instanceof VolatilityIndexRecord v) {
      checkDecimal("index_value", v.indexValue(), false);
      checkText("resolution", v.resolution(), false);
    } else if (r instanceof LongShortRatioRecord s) {
      checkDecimal("long_short_ratio", s.longShortRatio(), false);
      checkDecimal("long_ratio", s.longRatio(), false);
      checkDecimal("short_ratio", s.shortRatio(), false);
      checkText("period", s.period(), false);
    }
  }

  /**
   * Checks the fields every record has (for records not built yet, such as an order book's).
   *
   * @param symbol the normalized symbol
   * @param exchangeSymbol the exchange's name of the instrument, or null
   * @param tsMs the exchange time, epoch ms
   * @param recvTsUs the receive time, epoch µs
   * @throws IllegalArgumentException naming the first field the stores cannot hold
   */
  public static void checkCommon(String symbol, String exchangeSymbol, long tsMs, long recvTsUs) {
    checkText("symbol", symbol, true);
    checkText("exchange_symbol", exchangeSymbol, false);
    checkInteger("ts_ms", tsMs);
    checkInteger("recv_ts_us", recvTsUs);
  }

  /**
   * Checks a text field.
   *
   * @param field its name (CONTRACT §3)
   * @param value the text, or null
   * @param required whether a record cannot be without it (then it is neither null nor empty)
   * @throws IllegalArgumentException when the stores cannot take it
   */
  public static void checkText(String field, String value, boolean required) {
    if (value == null) {
      if (required) {
        throw new IllegalArgumentException("record lacks " + field);
      }
      return;
    }
    // a character takes at most 3 UTF-8 bytes: only long text needs counting
    checkText(field, required, value.length() <= MAX_SYMBOL_BYTES / 3 ? value.length()
        : value.getBytes(StandardCharsets.UTF_8).length);
  }

  /**
   * Checks a text field by its length, for readers that never make it a String.
   *
   * @param field its name
   * @param required whether a record cannot be without it
   * @param utf8Bytes the text's length in UTF-8 bytes
   * @throws IllegalArgumentException when the stores cannot take it
   */
  public static void checkText(String field, boolean required, int utf8Bytes) {
    if (utf8Bytes == 0 && required) {
      throw new IllegalArgumentException(field + " is empty");
    }
    if (utf8Bytes > MAX_SYMBOL_BYTES && field.equals("symbol")) {
      throw new IllegalArgumentException("symbol longer than " + MAX_SYMBOL_BYTES + " bytes");
    }
  }

  /**
   * Checks a {@code side}: one of {@link #SIDES}.
   *
   * @param side the side, or null
   * @param required whether a record cannot be without it (a trade; a liquidation may not know it)
   * @throws IllegalArgumentException when it is another value
   */
  public static void checkSide(String side, boolean required) {
    checkText("side", side, required);
    if (side != null && !SIDES.contains(side)) {
      throw new IllegalArgumentException("side must be " + String.join(" or ", SIDES) + ", got '" + side + "'");
    }
  }

  /**
   * Checks an integer field: not negative, a {@code ts_ms} up to {@link #MAX_TS_MS}, a book
   * {@code depth} within an {@code Int32}.
   *
   * @param field its name
   * @param v its value
   * @return the value
   * @throws IllegalArgumentException when the stores cannot hold it
   */
  public static long checkInteger(String field, long v) {
    if (v < 0 || v > MAX_TS_MS && field.equals("ts_ms") || v > Integer.MAX_VALUE && field.equals("depth")) {
      throw new IllegalArgumentException(field + " out of range: " + v);
    }
    return v;
  }

  private static void checkInteger(String field, Long v) {
    if (v != null) {
      checkInteger(field, v.longValue());
    }
  }

  /**
   * Checks a decimal field: a decimal that {@link #fitDecimal} fits.
   *
   * @param field its name
   * @param value the decimal string, or null
   * @param required whether a record cannot be without it
   * @throws IllegalArgumentException when the stores cannot hold it
   */
  public static void checkDecimal(String field, String value, boolean required) {
    if (value == null) {
      checkText(field, null, required);
      return;
    }
    try {
      fitDecimal(Decimals.canonical(value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage());
    }
  }

  /**
   * Checks that a trade's {@code price × quantity} fits a bar's quote volume: below
   * {@link #MAX_QUOTE_VOLUME}. Only a trade whose factors have more than
   * {@link #QUOTE_VOLUME_DIGITS} integer digits between them needs the product.
   *
   * @param price a decimal string
   * @param quantity a decimal string
   * @throws IllegalArgumentException when the product is too large
   */
  public static void checkQuoteVolume(String price, String quantity) {
    if (integerDigits(price) + integerDigits(quantity) > QUOTE_VOLUME_DIGITS) {
      // below 10^a times below 10^b is below 10^(a + b)
      checkQuoteVolume(new BigDecimal(price), new BigDecimal(quantity));
    }
  }

  /**
   * @param price a trade's price
   * @param quantity its quantity
   * @throws IllegalArgumentException when {@code |price × quantity|} is {@link #MAX_QUOTE_VOLUME} or more
   */
  public static void checkQuoteVolume(BigDecimal price, BigDecimal quantity) {
    if (price.multiply(quantity).abs().compareTo(MAX_QUOTE_VOLUME) >= 0) {
      throw new IllegalArgumentException("price × quantity (" + Decimals.plain(price) + " × "
          + Decimals.plain(quantity) + ") is " + Decimals.plain(MAX_QUOTE_VOLUME)
          + " or more: no bar's quote volume holds it");
    }
  }

  /** @return the digits before the point of a decimal string (at least 1 for a plain one; many for an exponent form) */
  private static int integerDigits(String decimal) {
    int dot = decimal.indexOf('.');
    int e = Math.max(decimal.indexOf('e'), decimal.indexOf('E'));
    return e >= 0 ? Integer.MAX_VALUE / 2 : (dot < 0 ? decimal.length() : dot) - (decimal.startsWith("-") ? 1 : 0);
  }

  private static void checkLevels(String side, List<PriceLevel> levels) {
    for (int i = 0, n = levels.size(); i < n; i++) {
      checkDecimal(side, levels.get(i).price(), true);
      checkDecimal(side, levels.get(i).quantity(), true);
    }
  }

  /**
   * Fits a canonical decimal string to {@code Decimal(38,18)}: values with more than 18
   * fractional digits are rounded half-even (no exchange quotes that finely; such digits are
   * float noise), values with more than 20 integer digits are refused.
   *
   * @param canonical a decimal string
   * @return a decimal string that the stores hold exactly
   * @throws IllegalArgumentException when the value is too large
   */
  public static String fitDecimal(String canonical) {
    int dot = canonical.indexOf('.');
    int intDigits = (dot < 0 ? canonical.length() : dot) - (canonical.startsWith("-") ? 1 : 0);
    int fracDigits = dot < 0 ? 0 : canonical.length() - dot - 1;
    if (intDigits <= INTEGER_DIGITS && fracDigits <= SCALE && canonical.indexOf('e') < 0
        && canonical.indexOf('E') < 0) {
      return canonical;
    }
    BigDecimal d = new BigDecimal(canonical).setScale(SCALE, RoundingMode.HALF_EVEN);
    if (d.precision() - d.scale() > INTEGER_DIGITS) {
      throw new IllegalArgumentException("decimal " + canonical + " has more than " + INTEGER_DIGITS + " integer digits");
    }
    return Decimals.plain(d);
  }
}
