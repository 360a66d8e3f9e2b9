package io.marketprism.simulator;

import io.marketprism.simulator.model.InstrumentSpec;
import io.marketprism.simulator.model.Trade;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * The matches of one instrument that published trade records carry, for tests comparing what a
 * collector published with what the simulator traded: an OKX {@code trades} push aggregates the
 * matches of one taker at one price under the last one's id with their total quantity, while a
 * {@code trades-all} push, a trade fetched over REST (or one of another exchange) carries its own
 * match.
 */
public final class TrueMatches {

  private final InstrumentSpec spec;
  private final Map<Long, Trade> byId = new HashMap<>();

  /**
   * @param spec the instrument
   * @param trades its trades, as {@link SimulatorVerticle#trueTrades} lists them
   */
  public TrueMatches(InstrumentSpec spec, List<Trade> trades) {
    this.spec = spec;
    trades.forEach(t -> byId.put(t.id(), t));
  }

  /**
   * @param tradeId a published trade's id
   * @param quantity its quantity
   * @return the ids of the matches it carries, oldest first: the run of matches of one taker at its
   *     price ending at its id whose quantities add up to its own, else just its id
   */
  public List<Long> carried(long tradeId, String quantity) {
    BigDecimal qty = new BigDecimal(quantity);
    Trade last = byId.get(tradeId);
    long total = 0;
    for (long id = tradeId; last != null; id--) {
      Trade t = byId.get(id);
      if (t == null || t.price() != last.price() || t.ts() != last.ts() || t.takerBuy() != last.takerBuy()) {
        break;
      }
      total += t.qty();
      if (new BigDecimal(spec.qty(total)).compareTo(qty) == 0) {
        return LongStream.rangeClosed(id, tradeId).boxed().toList();
      }
    }
    return List.of(tradeId);
  }
}
