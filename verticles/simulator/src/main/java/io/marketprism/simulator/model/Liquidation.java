package io.marketprism.simulator.model;

/**
 * A forced liquidation order.
 *
 * @param id    order id
 * @param buy   side of the liquidation order (a short position is liquidated with a buy)
 * @param price bankruptcy / order price units
 * @param qty   quantity units
 * @param ts    epoch ms
 */
public record Liquidation(long id, boolean buy, long price, long qty, long ts) {
}
