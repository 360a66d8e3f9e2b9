package io.marketprism.simulator;

import java.util.List;

/**
 * The simulator's true order book of one instrument, for tests to compare a rebuilt book against.
 *
 * @param exchange     {@code binance}, {@code okx} or {@code deribit}
 * @param venue        venue key ({@code binance}, {@code binance-usdm}, {@code binance-coinm}, {@code okx}, {@code deribit})
 * @param symbol       the exchange's instrument name
 * @param lastUpdateId the update id the levels include (Binance {@code u}, OKX {@code seqId}, Deribit {@code change_id})
 * @param bids         {@code [price, quantity]} as the exchange prints them, best first
 * @param asks         {@code [price, quantity]} as the exchange prints them, best first
 */
public record TrueBook(String exchange, String venue, String symbol, long lastUpdateId, List<String[]> bids,
                       List<String[]> asks) {
}
