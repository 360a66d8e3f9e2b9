package io.marketprism.model;

/**
 * Best bid/offer and 24 h statistics; fields the exchange does not give are {@code null}.
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
 */
public record TickerRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String bestBid, String bestBidQty, String bestAsk, String bestAskQty,
    String lastPrice, String volume24h, String quoteVolume24h, String high24h, String low24h)
    implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.TICKER;
  }
}
