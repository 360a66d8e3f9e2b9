package io.marketprism.collector.subscription;

import io.marketprism.model.Exchange;
import io.marketprism.model.Instrument;
import io.marketprism.model.MarketType;
import io.marketprism.model.Symbols;

/**
 * Turns the symbols users write (normalized {@code BTC-USDT}, or the exchange's own name such as
 * {@code BTCUSDT} or {@code BTC-PERPETUAL}) into the exchange's instrument name.
 */
public final class SymbolNames {

  private static final Symbols SYMBOLS = new Symbols();

  private SymbolNames() {
  }

  /**
   * @param exchange the exchange
   * @param marketType the market
   * @param symbol normalized or exchange name
   * @return the exchange's instrument name
   * @throws IllegalArgumentException when the symbol does not name an instrument of that market
   */
  public static String exchangeSymbol(Exchange exchange, MarketType marketType, String symbol) {
    if (symbol == null || symbol.isBlank() || !symbol.matches("[A-Za-z0-9_.\\-]{1,64}")) {
      throw new IllegalArgumentException("symbol '" + symbol + "' is not an instrument name");
    }
    String s = symbol.trim();
    synchronized (SYMBOLS) {
      // the exchange's own name first, when it reads back to itself (BTC-USDT is both on OKX spot)
      String own = exchange == Exchange.BINANCE ? s.toUpperCase(java.util.Locale.ROOT) : s;
      try {
        Instrument i = SYMBOLS.normalize(exchange, own, marketType);
        if (i.marketType() == marketType && own.equals(SYMBOLS.toExchange(exchange, i.symbol(), marketType))) {
          return own;
        }
      } catch (IllegalArgumentException e) {
        // not an exchange name: maybe a normalized symbol
      }
      try {
        String name = SYMBOLS.toExchange(exchange, s.toUpperCase(java.util.Locale.ROOT), marketType);
        Instrument back = SYMBOLS.normalize(exchange, name, marketType);
        if (back.marketType() == marketType && back.symbol().equalsIgnoreCase(s)) {
          return name;
        }
      } catch (IllegalArgumentException e) {
        // fall through to the error
      }
    }
    throw new IllegalArgumentException("symbol '" + symbol + "' is not a " + marketType.wire() + " instrument of "
        + exchange.wire());
  }
}
