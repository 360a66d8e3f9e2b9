package io.marketprism.collector.normalize;

import io.marketprism.model.Exchange;
import io.marketprism.model.Instrument;
import io.marketprism.model.MarketType;
import io.marketprism.model.Symbols;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A parser's memo of normalized instruments, so that the per-message lookup is one hash probe on
 * the exchange name. Not thread-safe, like the parsers that own it.
 */
public final class InstrumentCache {

  private final Exchange exchange;
  private final Symbols symbols;
  /** One map per hint (the last for no hint), so a lookup never builds a composite key. */
  private final List<Map<String, Instrument>> byHint = new ArrayList<>();
  private static final int NO_HINT = MarketType.values().length;
  /** The last answer: a connection mostly repeats one name, which the scanner hands over as the same string. */
  private String lastName;
  private MarketType lastHint;
  private Instrument last;

  /**
   * @param exchange the exchange whose names are cached
   * @param symbols the normalizer to ask on a miss
   */
  public InstrumentCache(Exchange exchange, Symbols symbols) {
    this.exchange = exchange;
    this.symbols = symbols;
    for (int i = 0; i <= NO_HINT; i++) {
      byHint.add(new HashMap<>());
    }
  }

  /**
   * @param exchangeSymbol an instrument name
   * @param hint market type for names that do not tell it, or {@code null}
   * @return the normalized instrument
   * @throws ParseException if the name cannot be read
   */
  public Instrument get(String exchangeSymbol, MarketType hint) throws ParseException {
    if (exchangeSymbol == lastName && hint == lastHint && last != null) {
      return last;
    }
    Map<String, Instrument> map = byHint.get(hint == null ? NO_HINT : hint.ordinal());
    Instrument i = map.get(exchangeSymbol);
    if (i == null) {
      try {
        i = symbols.normalize(exchange, exchangeSymbol, hint);
      } catch (IllegalArgumentException e) {
        throw new ParseException(e.getMessage());
      }
      map.put(exchangeSymbol, i);
    }
    lastName = exchangeSymbol;
    lastHint = hint;
    last = i;
    return i;
  }

  /**
   * The same lookup for a fast path, which leaves unknown names to the general reader.
   *
   * @param exchangeSymbol an instrument name
   * @param hint market type for names that do not tell it, or {@code null}
   * @return the normalized instrument
   * @throws JsonScanner.Fallback if the name cannot be read
   */
  public Instrument fast(String exchangeSymbol, MarketType hint) throws JsonScanner.Fallback {
    try {
      return get(exchangeSymbol, hint);
    } catch (ParseException e) {
      throw JsonScanner.fallback();
    }
  }

  /** Forgets everything, after the normalizer learned new names. */
  public void clear() {
    byHint.forEach(Map::clear);
    lastName = null;
    last = null;
  }
}
