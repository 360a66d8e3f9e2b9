package io.marketprism.model;

/**
 * A forced liquidation.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param side side of the liquidation order ({@code buy} closes a short)
 * @param price price
 * @param quantity quantity
 * @param orderId order id ({@code null} where not given)
 */
public record LiquidationRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String side, String price, String quantity, String orderId) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.LIQUIDATION;
  }
}
