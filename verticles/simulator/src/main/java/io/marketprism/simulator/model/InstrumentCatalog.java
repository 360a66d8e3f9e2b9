package io.marketprism.simulator.model;

import java.util.Locale;

/**
 * Derives an {@link InstrumentSpec} from an exchange instrument name, with tick and lot grids close
 * to the real ones (BTC and ETH exactly, other coins by a generic grid).
 */
public final class InstrumentCatalog {

  private InstrumentCatalog() {
  }

  /**
   * The market type an instrument name implies on an exchange.
   *
   * @param exchange {@code binance}, {@code okx} or {@code deribit}
   * @param symbol   the exchange's instrument name
   * @return {@code spot}, {@code perpetual}, {@code futures} or {@code options}; Binance plain symbols give {@code spot}
   */
  public static String marketTypeOf(String exchange, String symbol) {
    String s = symbol.toUpperCase(Locale.ROOT);
    switch (exchange) {
      case "binance":
        if (s.endsWith("_PERP")) {
          return "perpetual";
        }
        return s.contains("_") ? "futures" : "spot";
      case "okx":
        if (s.endsWith("-SWAP")) {
          return "perpetual";
        }
        if (s.endsWith("-C") || s.endsWith("-P")) {
          return "options";
        }
        return s.split("-").length == 3 ? "futures" : "spot";
      case "deribit":
        if (s.endsWith("-PERPETUAL")) {
          return "perpetual";
        }
        return s.endsWith("-C") || s.endsWith("-P") ? "options" : "futures";
      default:
        throw new IllegalArgumentException("unknown exchange '" + exchange + "' (allowed: binance, okx, deribit)");
    }
  }

  /** The Binance venue serving a symbol of a market type: COIN-M names contain {@code USD_}. */
  public static Venue binanceVenue(String symbol, String marketType) {
    if ("spot".equals(marketType)) {
      return Venue.BINANCE_SPOT;
    }
    return symbol.toUpperCase(Locale.ROOT).contains("USD_") ? Venue.BINANCE_COINM : Venue.BINANCE_USDM;
  }

  /**
   * Builds the spec of an instrument.
   *
   * @param venue      where it trades
   * @param symbol     the exchange's name for it
   * @param marketType its market type
   */
  public static InstrumentSpec spec(Venue venue, String symbol, String marketType) {
    String s = symbol.toUpperCase(Locale.ROOT);
    String base;
    String quote;
    switch (venue) {
      case BINANCE_SPOT, BINANCE_USDM -> {
        String root = s.contains("_") ? s.substring(0, s.indexOf('_')) : s;
        quote = quoteOf(root);
        base = root.substring(0, root.length() - quote.length());
      }
      case BINANCE_COINM -> {
        String root = s.substring(0, s.indexOf('_'));
        quote = "USD";
        base = root.substring(0, root.length() - 3);
      }
      default -> {
        String[] parts = s.split("-");
        base = parts[0];
        quote = venue == Venue.DERIBIT ? "USD" : parts.length > 1 ? parts[1] : "USDT";
      }
    }
    double px = "BTC".equals(base) ? 60_000 : "ETH".equals(base) ? 3_000 : "SOL".equals(base) ? 150 : 100;
    boolean big = px >= 10_000;
    switch (venue) {
      case BINANCE_SPOT:
        return new InstrumentSpec(venue, s, marketType, base, quote, 2, 1, 8, 5, 1, 8, Decimals.FIXED, units(px, 2));
      case BINANCE_USDM:
        return big
            ? new InstrumentSpec(venue, s, marketType, base, quote, 1, 1, 2, 3, 1, 3, Decimals.FIXED, units(px, 1))
            : new InstrumentSpec(venue, s, marketType, base, quote, 2, 1, 2, 3, 1, 3, Decimals.FIXED, units(px, 2));
      case BINANCE_COINM:
        return new InstrumentSpec(venue, s, marketType, base, quote, 1, 1, 1, 0, 1, 0, Decimals.FIXED, units(px, 1));
      case OKX:
        if ("spot".equals(marketType)) {
          return new InstrumentSpec(venue, s, marketType, base, quote, big ? 1 : 2, 1, 0, 8, 1, 0, Decimals.TRIM,
              units(px, big ? 1 : 2));
        }
        return new InstrumentSpec(venue, s, marketType, base, quote, big ? 1 : 2, 1, 0, 2, 1, 0, Decimals.TRIM,
            units(px, big ? 1 : 2));
      case DERIBIT:
        if ("options".equals(marketType)) {
          return new InstrumentSpec(venue, s, marketType, base, quote, 4, 5, 0, 1, 1, 0, Decimals.NUMBER, 500);
        }
        return big
            ? new InstrumentSpec(venue, s, marketType, base, quote, 1, 5, 0, 0, 10, 0, Decimals.NUMBER, units(px, 1))
            : new InstrumentSpec(venue, s, marketType, base, quote, 2, 5, 0, 0, 1, 0, Decimals.NUMBER, units(px, 2));
      default:
        throw new IllegalStateException(venue.toString());
    }
  }

  private static String quoteOf(String root) {
    for (String q : new String[] {"USDT", "USDC", "FDUSD", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"}) {
      if (root.endsWith(q) && root.length() > q.length()) {
        return q;
      }
    }
    return "USDT";
  }

  private static long units(double value, int scale) {
    return Math.round(value * Decimals.pow10(scale));
  }

  /**
   * The typical resting size of one level, in lots: about 5,000 quote units of notional, or a handful
   * of contracts where the exchange counts contracts.
   */
  public static long typicalLots(InstrumentSpec spec) {
    double px = spec.priceValue(spec.initialPrice());
    double baseQty;
    switch (spec.venue()) {
      case BINANCE_COINM:
        return 50;
      case DERIBIT:
        if ("options".equals(spec.marketType())) {
          return 100;
        }
        return Math.max(1, Math.round(5_000.0 / spec.lotUnits()));
      case OKX:
        if (!"spot".equals(spec.marketType())) {
          double ctVal = "BTC".equals(spec.base()) ? 0.01 : "ETH".equals(spec.base()) ? 0.1 : 1;
          return Math.max(1, Math.round(5_000.0 / (px * ctVal) * 100));
        }
        baseQty = 5_000.0 / px;
        break;
      default:
        baseQty = 5_000.0 / px;
    }
    return Math.max(1, Math.round(baseQty * Decimals.pow10(spec.qtyScale()) / spec.lotUnits()));
  }
}
