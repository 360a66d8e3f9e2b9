package io.marketprism.simulator.model;

import java.util.ArrayList;
import java.util.List;

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

  /**
   * Splits the trades of one burst (one taker order walking the book) into runs at one price:
   * what Binance's {@code aggTrade} and OKX's {@code trades} channel send as one aggregate.
   *
   * @param burst the trades of one burst, in order
   * @return its runs at one price, in order (none when the burst is empty)
   */
  public static List<List<Trade>> atOnePrice(List<Trade> burst) {
    List<List<Trade>> out = new ArrayList<>();
    List<Trade> run = new ArrayList<>();
    for (Trade t : burst) {
      if (!run.isEmpty() && run.get(0).price() != t.price()) {
        out.add(List.copyOf(run));
        run.clear();
      }
      run.add(t);
    }
    if (!run.isEmpty()) {
      out.add(List.copyOf(run));
    }
    return out;
  }

  /**
   * @param run trades at one price
   * @return their total quantity, units
   */
  public static long totalQty(List<Trade> run) {
    long qty = 0;
    for (Trade t : run) {
      qty += t.qty();
    }
    return qty;
  }
}
