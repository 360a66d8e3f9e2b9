package io.marketprism.model;

/**
 * A normalized instrument: the CONTRACT §3 symbol with the market it trades in.
 *
 * @param symbol e.g. {@code BTC-USD-250328}
 * @param marketType e.g. {@link MarketType#FUTURES}
 */
public record Instrument(String symbol, MarketType marketType) {
}
