package io.marketprism.model;

/**
 * A normalized market-data record (CONTRACT §3). Every record carries the common fields below;
 * each implementation adds the fields of its {@link DataType}. Prices and quantities are canonical
 * decimal strings (see {@link Decimals}).
 */
public sealed interface MarketRecord permits TradeRecord, OrderBookRecord, TickerRecord, KlineRecord,
    FundingRateRecord, MarkPriceRecord, OpenInterestRecord, LiquidationRecord, VolatilityIndexRecord,
    LongShortRatioRecord {

  /** @return the kind of record */
  DataType dataType();

  /** @return the exchange that produced it */
  Exchange exchange();

  /** @return the market of the instrument */
  MarketType marketType();

  /** @return the normalized symbol, e.g. {@code BTC-USDT} or {@code BTC-USD-250328-100000-C} */
  String symbol();

  /** @return the exchange's own instrument name, e.g. {@code BTCUSDT} */
  String exchangeSymbol();

  /** @return exchange event time, epoch milliseconds */
  long tsMs();

  /** @return local receive time, epoch microseconds */
  long recvTsUs();

  /**
   * The part of the identity that tells records of one instrument and type apart (CONTRACT §3):
   * the trade id for trades, the last update id for books, the event time otherwise (for
   * liquidations the time and what was liquidated: see {@link LiquidationRecord#identityKey()}; for
   * tickers the time and every field: see {@link TickerRecord#identityKey()}).
   *
   * @return the distinguishing key
   */
  default String identityKey() {
    return Long.toString(tsMs());
  }

  /**
   * The de-duplication identity, usable as a NATS {@code Nats-Msg-Id}:
   * {@code data_type:exchange:market_type:symbol:key}. The data type leads so that, say, a trade
   * id and a book update id that happen to be equal never collide in one stream.
   *
   * @return the identity string
   */
  default String identity() {
    String key = identityKey();
    String type = dataType().wire();
    String ex = exchange().wire();
    String mt = marketType().wire();
    String sym = symbol();
    return new StringBuilder(type.length() + ex.length() + mt.length() + sym.length() + key.length() + 4)
        .append(type).append(':').append(ex).append(':').append(mt).append(':').append(sym).append(':')
        .append(key).toString();
  }

  /**
   * The bus subject (CONTRACT §4): {@code data_type.exchange.market_type.symbol}.
   *
   * @return e.g. {@code trade.binance.spot.BTC-USDT}
   */
  default String subject() {
    return Subjects.of(dataType(), exchange(), marketType(), symbol());
  }
}
