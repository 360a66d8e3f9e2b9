package io.marketprism.simulator.model;

/**
 * A trade the model executed against its book.
 *
 * @param id       trade id, increasing per instrument
 * @param price    price units
 * @param qty      quantity units
 * @param takerBuy true when the taker bought (lifted an ask); Binance {@code m} is its negation
 * @param ts       trade time, epoch ms; trades of one burst share it
 */
public record Trade(long id, long price, long qty, boolean takerBuy, long ts) {
}
