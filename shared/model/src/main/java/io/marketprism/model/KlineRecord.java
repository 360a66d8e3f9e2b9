package io.marketprism.model;

/**
 * A candle.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param interval e.g. {@code 1m}
 * @param openTimeMs candle open time, epoch ms
 * @param closeTimeMs candle close time, epoch ms ({@code null} where not given)
 * @param open open
 * @param high high
 * @param low low
 * @param close close
 * @param volume base volume
 * @param quoteVolume quote volume
 * @param tradeCount number of trades ({@code null} where not given)
 * @param closed whether the candle is final
 */
public record KlineRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String interval, long openTimeMs, Long closeTimeMs, String open, String high,
    String low, String close, String volume, String quoteVolume, Long tradeCount, boolean closed)
    implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.KLINE;
  }
}
