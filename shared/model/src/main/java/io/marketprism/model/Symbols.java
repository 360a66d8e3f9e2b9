package io.marketprism.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Translates exchange instrument names to normalized symbols (CONTRACT §3) and back.
 *
 * <ul>
 *   <li>Binance: {@code BTCUSDT} → {@code BTC-USDT} (spot or perpetual, as the caller says),
 *       {@code BTCUSD_PERP} → {@code BTC-USD} perpetual (COIN-M), {@code BTCUSDT_250328} →
 *       {@code BTC-USDT-250328} futures, options {@code BTC-250328-100000-C} →
 *       {@code BTC-USDT-250328-100000-C}. Concatenated names are split at the longest known quote
 *       asset; {@link #addBinanceSymbol} teaches exact splits from {@code exchangeInfo}.</li>
 *   <li>OKX: {@code BTC-USDT} spot, {@code BTC-USDT-SWAP} → {@code BTC-USDT} perpetual,
 *       {@code BTC-USD-220527} futures, {@code BTC-USD-220527-30000-C} options.</li>
 *   <li>Deribit: {@code BTC-PERPETUAL} → {@code BTC-USD} perpetual, {@code BTC_USDC-PERPETUAL} →
 *       {@code BTC-USDC}, {@code BTC-28MAR25} → {@code BTC-USD-250328}, {@code BTC-28MAR25-100000-C}
 *       → {@code BTC-USD-250328-100000-C}, spot {@code BTC_USDC} → {@code BTC-USDC}.</li>
 * </ul>
 *
 * Results are cached, so calling {@link #normalize} per message is cheap. Thread-safe.
 */
public final class Symbols {

  /** Quote assets tried when splitting a Binance name; longest match wins. */
  public static final List<String> DEFAULT_QUOTE_ASSETS = List.of("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "USDP",
      "DAI", "BTC", "ETH", "BNB", "XRP", "TRX", "DOGE", "DOT", "EUR", "GBP", "TRY", "BRL", "AUD", "RUB", "UAH", "NGN",
      "ZAR", "IDRT", "BIDR", "PLN", "RON", "ARS", "JPY", "MXN", "COP", "CZK", "AEUR", "USD1", "USD");

  private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
      "NOV", "DEC"};

  private final List<String> quoteAssets;
  private final Map<String, String[]> binanceSplits = new ConcurrentHashMap<>();
  private final Map<String, Instrument> cache = new ConcurrentHashMap<>();

  /** Uses {@link #DEFAULT_QUOTE_ASSETS}. */
  public Symbols() {
    this(DEFAULT_QUOTE_ASSETS);
  }

  /**
   * @param quoteAssets quote assets for splitting Binance names (order does not matter)
   */
  public Symbols(List<String> quoteAssets) {
    List<String> sorted = new ArrayList<>(quoteAssets);
    sorted.sort(Comparator.comparingInt(String::length).reversed());
    this.quoteAssets = List.copyOf(sorted);
  }

  /**
   * Records the exact base/quote of a Binance symbol, as given by {@code exchangeInfo}; it takes
   * precedence over the quote-asset heuristic.
   *
   * @param exchangeSymbol e.g. {@code BTCUSDT} or {@code BTCUSD_PERP}
   * @param base base asset
   * @param quote quote asset
   */
  public void addBinanceSymbol(String exchangeSymbol, String base, String quote) {
    String key = exchangeSymbol.toUpperCase(Locale.ROOT);
    int us = key.indexOf('_');
    binanceSplits.put(us < 0 ? key : key.substring(0, us),
        new String[] {base.toUpperCase(Locale.ROOT), quote.toUpperCase(Locale.ROOT)});
    cache.clear();
  }

  /**
   * Normalizes an exchange instrument name.
   *
   * @param exchange the exchange
   * @param exchangeSymbol its instrument name (Binance names may be lower case, as in stream names)
   * @param hint the market type for names that do not tell it (plain Binance names: spot or
   *     perpetual); {@code null} means spot there, and is ignored where the name tells the type
   * @return the normalized instrument
   * @throws IllegalArgumentException if the name cannot be read
   */
  public Instrument normalize(Exchange exchange, String exchangeSymbol, MarketType hint) {
    String key = exchange.ordinal() + (hint == null ? "-" : hint.wire()) + exchangeSymbol;
    Instrument cached = cache.get(key);
    if (cached != null) {
      return cached;
    }
    Instrument computed = switch (exchange) {
      case BINANCE -> binance(exchangeSymbol.toUpperCase(Locale.ROOT), hint);
      case OKX -> okx(exchangeSymbol);
      case DERIBIT -> deribit(exchangeSymbol);
    };
    cache.put(key, computed);
    return computed;
  }

  /**
   * The exchange instrument name of a normalized symbol.
   *
   * @param exchange the exchange
   * @param symbol normalized symbol, e.g. {@code BTC-USD-250328}
   * @param marketType its market type
   * @return the exchange's name, e.g. {@code BTCUSD_250328} on Binance
   * @throws IllegalArgumentException if the symbol does not fit the market type
   */
  public String toExchange(Exchange exchange, String symbol, MarketType marketType) {
    String[] p = symbol.split("-");
    int expected = switch (marketType) {
      case SPOT, PERPETUAL -> 2;
      case FUTURES -> 3;
      case OPTIONS -> 5;
    };
    if (p.length != expected) {
      throw new IllegalArgumentException("symbol " + symbol + " does not fit market type " + marketType);
    }
    switch (exchange) {
      case BINANCE:
        switch (marketType) {
          case SPOT:
            return p[0] + p[1];
          case PERPETUAL:
            // COIN-M perpetuals are the USD-quoted ones; USDⓈ-M perpetuals share the spot name
            return "USD".equals(p[1]) ? p[0] + "USD_PERP" : p[0] + p[1];
          case FUTURES:
            return p[0] + p[1] + '_' + p[2];
          default:
            return p[0] + '-' + p[2] + '-' + p[3] + '-' + p[4];
        }
      case OKX:
        return marketType == MarketType.PERPETUAL ? symbol + "-SWAP" : symbol;
      default:
        String prefix = "USD".equals(p[1]) ? p[0] : p[0] + '_' + p[1];
        switch (marketType) {
          case SPOT:
            return p[0] + '_' + p[1];
          case PERPETUAL:
            return prefix + "-PERPETUAL";
          case FUTURES:
            return prefix + '-' + deribitDate(p[2]);
          default:
            return prefix + '-' + deribitDate(p[2]) + '-' + p[3].replace('.', 'd') + '-' + p[4];
        }
    }
  }

  /**
   * Normalizes a Deribit index name as used by {@code deribit_volatility_index.*}.
   *
   * @param indexName e.g. {@code btc_usd}
   * @return e.g. {@code BTC-USD}
   */
  public static String deribitIndex(String indexName) {
    return indexName.toUpperCase(Locale.ROOT).replace('_', '-');
  }

  private Instrument binance(String s, MarketType hint) {
    if (s.indexOf('-') > 0) {
      String[] p = s.split("-");
      if (p.length != 4 || !isDate(p[1]) || !isOption(p[3])) {
        throw new IllegalArgumentException("unrecognized Binance instrument: " + s);
      }
      // European options on Binance settle in USDT
      return new Instrument(p[0] + "-USDT-" + p[1] + '-' + p[2] + '-' + p[3], MarketType.OPTIONS);
    }
    int us = s.indexOf('_');
    if (us > 0) {
      String pair = pair(s.substring(0, us));
      String suffix = s.substring(us + 1);
      if ("PERP".equals(suffix)) {
        return new Instrument(pair, MarketType.PERPETUAL);
      }
      if (isDate(suffix)) {
        return new Instrument(pair + '-' + suffix, MarketType.FUTURES);
      }
      throw new IllegalArgumentException("unrecognized Binance instrument: " + s);
    }
    return new Instrument(pair(s), hint == null ? MarketType.SPOT : hint);
  }

  private String pair(String concatenated) {
    String[] known = binanceSplits.get(concatenated);
    if (known != null) {
      return known[0] + '-' + known[1];
    }
    for (String q : quoteAssets) {
      if (concatenated.length() > q.length() && concatenated.endsWith(q)) {
        return concatenated.substring(0, concatenated.length() - q.length()) + '-' + q;
      }
    }
    throw new IllegalArgumentException("no known quote asset in Binance symbol " + concatenated);
  }

  private static Instrument okx(String s) {
    String[] p = s.split("-");
    if (p.length == 2) {
      return new Instrument(s, MarketType.SPOT);
    }
    if (p.length == 3 && "SWAP".equals(p[2])) {
      return new Instrument(p[0] + '-' + p[1], MarketType.PERPETUAL);
    }
    if (p.length == 3 && isDate(p[2])) {
      return new Instrument(s, MarketType.FUTURES);
    }
    if (p.length == 5 && isDate(p[2]) && isOption(p[4])) {
      return new Instrument(s, MarketType.OPTIONS);
    }
    throw new IllegalArgumentException("unrecognized OKX instrument: " + s);
  }

  private static Instrument deribit(String s) {
    String[] p = s.split("-");
    String base = p[0];
    String quote = "USD";
    int us = base.indexOf('_');
    if (us > 0) {
      quote = base.substring(us + 1);
      base = base.substring(0, us);
    }
    String pair = base + '-' + quote;
    if (p.length == 1 && us > 0) {
      return new Instrument(pair, MarketType.SPOT);
    }
    if (p.length == 2 && "PERPETUAL".equals(p[1])) {
      return new Instrument(pair, MarketType.PERPETUAL);
    }
    if (p.length == 2) {
      return new Instrument(pair + '-' + yymmdd(p[1], s), MarketType.FUTURES);
    }
    if (p.length == 4 && isOption(p[3])) {
      return new Instrument(pair + '-' + yymmdd(p[1], s) + '-' + p[2].replace('d', '.') + '-' + p[3],
          MarketType.OPTIONS);
    }
    throw new IllegalArgumentException("unrecognized Deribit instrument: " + s);
  }

  /** Deribit {@code 28MAR25} / {@code 5APR24} → {@code 250328} / {@code 240405}. */
  private static String yymmdd(String d, String whole) {
    int n = d.length();
    if (n < 6 || n > 7) {
      throw new IllegalArgumentException("unrecognized Deribit expiry in " + whole);
    }
    String day = d.substring(0, n - 5);
    String mon = d.substring(n - 5, n - 2);
    String yy = d.substring(n - 2);
    for (int m = 0; m < 12; m++) {
      if (MONTHS[m].equals(mon)) {
        if (!allDigits(day) || !allDigits(yy)) {
          break;
        }
        return yy + (m < 9 ? "0" : "") + (m + 1) + (day.length() == 1 ? "0" : "") + day;
      }
    }
    throw new IllegalArgumentException("unrecognized Deribit expiry in " + whole);
  }

  /** {@code 250328} → Deribit's {@code 28MAR25} (day not zero-padded, as Deribit names it). */
  private static String deribitDate(String yymmdd) {
    if (!isDate(yymmdd)) {
      throw new IllegalArgumentException("not a YYMMDD date: " + yymmdd);
    }
    int month = Integer.parseInt(yymmdd.substring(2, 4));
    int day = Integer.parseInt(yymmdd.substring(4, 6));
    if (month < 1 || month > 12) {
      throw new IllegalArgumentException("not a YYMMDD date: " + yymmdd);
    }
    return day + MONTHS[month - 1] + yymmdd.substring(0, 2);
  }

  private static boolean isDate(String s) {
    return s.length() == 6 && allDigits(s);
  }

  private static boolean isOption(String s) {
    return "C".equals(s) || "P".equals(s);
  }

  private static boolean allDigits(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
