package io.marketprism.model;

/**
 * A long/short ratio: of top traders' positions ({@link DataType#LSR_TOP_POSITION}) or of all
 * accounts ({@link DataType#LSR_ALL_ACCOUNT}).
 *
 * @param dataType {@code LSR_TOP_POSITION} or {@code LSR_ALL_ACCOUNT}
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name (or currency for OKX rubik)
 * @param tsMs period time, epoch ms
 * @param recvTsUs receive time, epoch µs
 * @param longShortRatio long/short ratio
 * @param longRatio long share ({@code null} where not given)
 * @param shortRatio short share ({@code null} where not given)
 * @param period sampling period, e.g. {@code 5m}
 */
public record LongShortRatioRecord(DataType dataType, Exchange exchange, MarketType marketType, String symbol,
    String exchangeSymbol, long tsMs, long recvTsUs, String longShortRatio, String longRatio, String shortRatio,
    String period) implements MarketRecord {

  /** Checks the data type is one of the two ratio types. */
  public LongShortRatioRecord {
    if (dataType != DataType.LSR_TOP_POSITION && dataType != DataType.LSR_ALL_ACCOUNT) {
      throw new IllegalArgumentException("not a long/short ratio type: " + dataType);
    }
  }
}
