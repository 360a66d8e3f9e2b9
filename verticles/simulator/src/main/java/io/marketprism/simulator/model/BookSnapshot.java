package io.marketprism.simulator.model;

import java.util.List;

/**
 * The top of a book at one update id.
 *
 * @param lastUpdateId id of the last update the levels include
 * @param bids         {@code [price, qty]} unit pairs, best first
 * @param asks         {@code [price, qty]} unit pairs, best first
 */
public record BookSnapshot(long lastUpdateId, List<long[]> bids, List<long[]> asks) {
}
