package io.marketprism.model;

/**
 * Mark and index price of a derivative.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param markPrice mark price
 * @param indexPrice index price ({@code null} where not given)
 */
public record MarkPriceRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String markPrice, String indexPrice) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.MARK_PRICE;
  }
}
