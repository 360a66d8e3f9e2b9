package io.marketprism.model;

/**
 * A volatility index value (Deribit DVOL).
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized index name, e.g. {@code BTC-USD}
 * @param exchangeSymbol exchange index name, e.g. {@code btc_usd}
 * @param tsMs event time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param indexValue the index value
 * @param resolution the sampling resolution where given (e.g. {@code 1s}), else {@code null}
 */
public record VolatilityIndexRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, String indexValue, String resolution) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.VOLATILITY_INDEX;
  }
}
