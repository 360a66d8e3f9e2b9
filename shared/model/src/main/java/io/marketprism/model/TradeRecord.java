package io.marketprism.model;

/**
 * A public trade.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs trade time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param tradeId the exchange's trade id
 * @param price price
 * @param quantity quantity
 * @param side {@code buy} or {@code sell}: the taker's side
 */
public record TradeRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String tradeId, String price, String quantity, String side) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.TRADE;
  }

  @Override
  public String identityKey() {
    return tradeId;
  }
}
