package io.marketprism.simulator.binance;

import io.marketprism.simulator.model.Trade;
import java.util.List;

/**
 * An aggregate trade as Binance forms it: consecutive trades of one taker at one price.
 *
 * @param id aggregate id, consecutive per symbol
 * @param trades the trades, in order
 */
public record AggTrade(long id, List<Trade> trades) {
}
