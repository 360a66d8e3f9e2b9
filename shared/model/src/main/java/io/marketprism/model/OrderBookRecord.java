package io.marketprism.model;

import java.util.List;

/**
 * A top-N order-book snapshot.
 *
 * @param exchange exchange
 * @param marketType market type
 * @param symbol normalized symbol
 * @param exchangeSymbol exchange instrument name
 * @param tsMs time of the last applied update, epoch ms
 * @param recvTsUs receive time of the last applied update, epoch µs
 * @param bids bids, best (highest) first
 * @param asks asks, best (lowest) first
 * @param depth the configured number of levels per side
 * @param lastUpdateId Binance {@code u}, OKX {@code seqId} (or {@code ts}), Deribit {@code change_id}
 * @param checksumOk whether the exchange checksum matched; {@code null} where the exchange sends none
 */
public record OrderBookRecord(Exchange exchange, MarketType marketType, String symbol, String exchangeSymbol,
    long tsMs, long recvTsUs, List<PriceLevel> bids, List<PriceLevel> asks, int depth, long lastUpdateId,
    Boolean checksumOk) implements MarketRecord {

  @Override
  public DataType dataType() {
    return DataType.ORDERBOOK;
  }

  @Override
  public String identityKey() {
    return Long.toString(lastUpdateId);
  }
}
