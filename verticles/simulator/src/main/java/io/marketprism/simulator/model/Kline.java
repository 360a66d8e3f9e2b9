package io.marketprism.simulator.model;

/**
 * A one-minute candle built from the model's trades.
 *
 * @param openTime     start of the minute, epoch ms
 * @param closeTime    last ms of the minute
 * @param open         price units
 * @param high         price units
 * @param low          price units
 * @param close        price units
 * @param volume       quantity units
 * @param quoteVolume  notional in units of {@code 10^-(priceScale+qtyScale)}
 * @param count        number of trades
 * @param firstTradeId first trade id in the candle, -1 when none
 * @param lastTradeId  last trade id, -1 when none
 * @param closed       whether the minute is over
 */
public record Kline(long openTime, long closeTime, long open, long high, long low, long close, long volume,
                    long quoteVolume, long count, long firstTradeId, long lastTradeId, boolean closed) {
}
