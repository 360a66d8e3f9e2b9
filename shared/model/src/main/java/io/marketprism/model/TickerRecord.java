package io.marketprism.model;

/**
 * Best bid/offer and 24 h statistics; fields the exchange does not give are {@code null}.
 *
 * <p>Its identity (CONTRACT §3: instrument, type and time) is widened by its content, as a
 * liquidation's is: Binance's {@code bookTicker} sends every change of the best bid or offer, often
 * several in one millisecond of its event time ({@code E}; spot's has none and takes the receive
 * time). An identity of the time alone made every one after the first a duplicate, dropped on the
 * bus and in the stores (a third of the tickers of a recorded BTCUSDT futures stream), and what was
 * kept of a millisecond was the state it began with, not the one it ended with. {@link #identityKey()}
 * is the time plus every field, the exchange's update id first: a redelivered ticker is still one
 * record, and two tickers of one millisecond are two unless alike in everything they say. The update
 * id ({@code update_id}: Binance {@code bookTicker}'s {@code u}, OKX {@code bbo-tbt}'s {@code seqId})
 * also tells apart a best bid/offer that went back, within its millisecond, to a state it had
 * before (A, B, A). The stores key the ticker table on the same fields.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param bestBid best bid price
 * @param bestBidQty best bid quantity
 * @param bestAsk best ask price
 * @param bestAskQty best ask quantity
 * @param lastPrice last trade price
 * @param volume24h 24 h volume in base units (or contracts)
 * @param quoteVolume24h 24 h volume in quote units
 * @param high24h 24 h high
 * @param low24h 24 h low
 * @param updateId the exchange's update id of the best bid/offer, or {@code null} where it gives none
 */
public record TickerRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String bestBid, String bestBidQty, String bestAsk, String bestAskQty,
    String lastPrice, String volume24h, String quoteVolume24h, String high24h, String low24h, Long updateId)
    implements MarketRecord {

  /** A ticker without an update id (the exchange gives none). */
  public TickerRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol, long tsMs,
      long recvTsUs, String bestBid, String bestBidQty, String bestAsk, String bestAskQty, String lastPrice,
      String volume24h, String quoteVolume24h, String high24h, String low24h) {
    this(exchange, marketType, symbol, exchangeSymbol, tsMs, recvTsUs, bestBid, bestBidQty, bestAsk, bestAskQty,
        lastPrice, volume24h, quoteVolume24h, high24h, low24h, null);
  }

  @Override
  public DataType dataType() {
    return DataType.TICKER;
  }

  /**
   * @return {@code ts_ms:update_id:best_bid:best_bid_qty:best_ask:best_ask_qty:last_price:volume_24h:quote_volume_24h:high_24h:low_24h},
   *     a missing field empty and decimals canonical ({@link Decimals#keyPart(String)})
   */
  @Override
  public String identityKey() {
    StringBuilder k = new StringBuilder().append(tsMs).append(':');
    if (updateId != null) {
      k.append(updateId.longValue());
    }
    for (String d : new String[] {bestBid, bestBidQty, bestAsk, bestAskQty, lastPrice, volume24h, quoteVolume24h, high24h,
        low24h}) {
      k.append(':').append(Decimals.keyPart(d));
    }
    return k.toString();
  }
}
