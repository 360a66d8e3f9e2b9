package io.marketprism.storage.hot;

import io.marketprism.model.TradeRecord;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * OHLCV bars of a set of trades computed in {@link BigDecimal} apart from the stores' code (its
 * own trade order, as the README documents it), what the stores' bars are checked against.
 */
public final class ExpectedBars {

  /** Order of trades: time, then id by its length in UTF-8 bytes, then its text. */
  public static final Comparator<TradeRecord> ORDER = Comparator.comparingLong(TradeRecord::tsMs)
      .thenComparingInt(t -> t.tradeId().getBytes(StandardCharsets.UTF_8).length)
      .thenComparing(TradeRecord::tradeId);

  private ExpectedBars() {
  }

  /**
   * One bar.
   *
   * @param openMs open time
   * @param open first trade's price
   * @param high highest price
   * @param low lowest price
   * @param close last trade's price
   * @param volume summed quantities
   * @param quote summed price × quantity
   * @param count number of trades
   */
  public record Bar(long openMs, BigDecimal open, BigDecimal high, BigDecimal low, BigDecimal close,
      BigDecimal volume, BigDecimal quote, long count) {
  }

  /**
   * @param trades trades of one instrument, repeats included (the first copy of an id counts)
   * @param intervalMs bar length
   * @return the bars of the intervals holding trades (aligned to multiples of the interval), by open time
   */
  public static TreeMap<Long, Bar> of(List<TradeRecord> trades, long intervalMs) {
    Map<String, TradeRecord> distinct = new LinkedHashMap<>();
    trades.forEach(t -> distinct.putIfAbsent(t.tradeId(), t));
    TreeMap<Long, List<TradeRecord>> byOpen = new TreeMap<>();
    for (TradeRecord t : distinct.values()) {
      byOpen.computeIfAbsent(t.tsMs() - Math.floorMod(t.tsMs(), intervalMs), k -> new ArrayList<>()).add(t);
    }
    TreeMap<Long, Bar> out = new TreeMap<>();
    byOpen.forEach((open, ts) -> {
      ts.sort(ORDER);
      BigDecimal high = null;
      BigDecimal low = null;
      BigDecimal volume = BigDecimal.ZERO;
      BigDecimal quote = BigDecimal.ZERO;
      for (TradeRecord t : ts) {
        BigDecimal p = new BigDecimal(t.price());
        BigDecimal q = new BigDecimal(t.quantity());
        high = high == null || p.compareTo(high) > 0 ? p : high;
        low = low == null || p.compareTo(low) < 0 ? p : low;
        volume = volume.add(q);
        quote = quote.add(p.multiply(q));
      }
      out.put(open, new Bar(open, new BigDecimal(ts.get(0).price()), high, low,
          new BigDecimal(ts.get(ts.size() - 1).price()), volume, quote, ts.size()));
    });
    return out;
  }
}
