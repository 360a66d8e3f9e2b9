package io.marketprism.model;

/**
 * Open interest of a derivative.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param openInterest in contracts or base units, as the exchange reports it
 * @param openInterestValue in quote units ({@code null} where not given)
 */
public record OpenInterestRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String openInterest, String openInterestValue) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.OPEN_INTEREST;
  }
}
