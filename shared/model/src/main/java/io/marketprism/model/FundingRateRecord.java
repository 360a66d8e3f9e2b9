package io.marketprism.model;

/**
 * A perpetual's funding rate.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param fundingRate the rate applied at {@code fundingTimeMs} ({@code null} where not given)
 * @param fundingTimeMs the settlement the rate applies to, epoch ms ({@code null} for continuous funding)
 * @param nextFundingTimeMs the settlement after that, epoch ms ({@code null} where not given)
 * @param estimatedRate the predicted next rate ({@code null} where not given)
 */
public record FundingRateRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String fundingRate, Long fundingTimeMs, Long nextFundingTimeMs,
    String estimatedRate) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.FUNDING_RATE;
  }
}
