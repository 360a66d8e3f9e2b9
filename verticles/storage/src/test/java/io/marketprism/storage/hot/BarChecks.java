package io.marketprism.storage.hot;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import io.marketprism.storage.archive.ArchiveJob;
import io.marketprism.storage.query.KlineQuery;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bars of every hot store against a straightforward computation from the distinct trades written,
 * for every interval, through redeliveries, trades sharing a millisecond, late trades into old
 * minutes and archiving (data in hot, cold and both).
 */
public final class BarChecks {

  /** 2024-01-01T00:00:00Z. */
  public static final long DAY0 = 1_704_067_200_000L;
  private static final List<String> SYMBOLS = List.of("BTC-USDT", "ETH-USDT");

  private BarChecks() {
  }

  /**
   * {@code n} trades of two symbols over two days from a seed: bursts of trades sharing a
   * millisecond, prices and quantities with up to 10 fractional digits.
   */
  static List<MarketRecord> trades(long seed, int n, int firstId) {
    Random rnd = new Random(seed);
    List<MarketRecord> out = new ArrayList<>();
    long ts = DAY0 + rnd.nextInt(1000);
    for (int i = 0; i < n; i++) {
      if (rnd.nextInt(4) != 0) { // a quarter of the trades share the previous one's millisecond
        ts += rnd.nextInt(2 * 86_400_000 / n * 2);
      }
      String sym = SYMBOLS.get(rnd.nextInt(SYMBOLS.size()));
      String price = (1000 + rnd.nextInt(60000)) + "." + rnd.nextInt(100);
      String qty = "0." + String.format("%010d", 1 + rnd.nextInt(999_999_999));
      out.add(trade(sym, Long.toString(firstId + i), Math.min(ts, DAY0 + 2 * 86_400_000L - 1), price, qty));
    }
    return out;
  }

  /**
   * @param trades trades of {@link #trades}
   * @return them with trades of both days whose prices and quantities have up to 18 fractional digits
   */
  static List<MarketRecord> withLongFractions(List<MarketRecord> trades) {
    List<MarketRecord> out = new ArrayList<>(trades);
    out.add(trade("BTC-USDT", "f1", DAY0 + 5_000, "61000.123456789012345678", "0.000000000000000009"));
    out.add(trade("BTC-USDT", "f2", DAY0 + 5_001, "0.00000000123", "1000000"));
    out.add(trade("ETH-USDT", "f3", DAY0 + 86_400_000L + 7_000, "3000.5", "1.000000000012345678"));
    return out;
  }

  static TradeRecord trade(String symbol, String id, long ts, String price, String qty) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, symbol, symbol.replace("-", ""), ts, ts * 1000, id,
        price, qty, "buy");
  }

  /**
   * The bars of the distinct trades (identity: instrument and trade id, first copy wins), computed in Java.
   *
   * @param written every trade written, repeats included
   * @param symbol the symbol
   * @param intervalMs the interval
   * @return bars oldest first
   */
  static JsonArray expected(List<MarketRecord> written, String symbol, long intervalMs) {
    List<TradeRecord> ofSymbol = written.stream().map(r -> (TradeRecord) r).filter(t -> t.symbol().equals(symbol))
        .toList();
    JsonArray out = new JsonArray();
    ExpectedBars.of(ofSymbol, intervalMs).values().forEach(b -> out.add(Bars.bar(b.openMs(), b.open(), b.high(), b.low(),
        b.close(), b.volume(), b.quote(), b.count())));
    return out;
  }

  /** Checks every interval and symbol over the two days against {@link #expected}. */
  static void assertBars(HotStore store, List<MarketRecord> written, String when) throws Exception {
    for (String symbol : SYMBOLS) {
      for (Map.Entry<String, Long> iv : new TreeMap<>(KlineQuery.INTERVALS).entrySet()) {
        JsonArray bars = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, symbol, iv.getKey(),
            iv.getValue(), DAY0, DAY0 + 2 * 86_400_000L)));
        assertThat(bars).as("%s %s %s", when, symbol, iv.getKey()).isEqualTo(expected(written, symbol, iv.getValue()));
      }
    }
  }

  /**
   * Writes trades in batches with redeliveries, late trades and archiving in between, checking the
   * bars after each step.
   *
   * @param store an empty store
   */
  public static void barsEqualTheirTradesThroughRepeatsLateTradesAndArchiving(HotStore store) throws Exception {
    List<MarketRecord> all = trades(42, 6000, 1);
    List<MarketRecord> written = new ArrayList<>();
    for (int i = 0; i < all.size(); i += 500) {
      List<MarketRecord> batch = new ArrayList<>(all.subList(i, Math.min(all.size(), i + 500)));
      batch.add(batch.get(0)); // a repeat inside the batch
      await(store.write(batch));
      written.addAll(batch);
      if (i % 1500 == 0) { // a whole batch redelivered
        await(store.write(batch));
        written.addAll(batch);
      }
    }
    assertThat(expected(written, "BTC-USDT", 60_000).stream().mapToLong(b -> ((JsonObject) b).getLong("trade_count"))
        .sum()).isGreaterThan(2000);
    assertBars(store, written, "after redeliveries");

    // late trades into an old minute (one sharing a millisecond with a stored trade), and a repeat of an old one
    TradeRecord old = (TradeRecord) all.get(10);
    List<MarketRecord> late = List.of(trade(old.symbol(), "late-1", old.tsMs(), "1.5", "2.25"),
        trade(old.symbol(), "late-2", old.tsMs() + 1, "99999.9999", "0.0000000001"), old);
    await(store.write(late));
    written.addAll(late);
    assertBars(store, written, "after late trades");

    // day 0 archived: its trades are read from cold, day 1 from hot
    JsonObject report = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved")).isNotEmpty();
    assertBars(store, written, "after archiving day 0");

    // a late trade and a repeat into the archived day: hot and cold both hold the day
    List<MarketRecord> intoCold = List.of(trade(old.symbol(), "late-3", old.tsMs() + 2, "0.5", "4"), all.get(20));
    await(store.write(intoCold));
    written.addAll(intoCold);
    assertBars(store, written, "after late trades into the archived day");

    // both days archived
    assertThat(await(new ArchiveJob(store).run(DAY0 + 2 * 86_400_000L)).getJsonArray("failed")).isEmpty();
    assertBars(store, written, "after archiving both days");
  }

  /**
   * A minute opens with the trade of its first millisecond that has the first id in number order
   * and closes with the last one's ({@code 9} before {@code 10}, {@code 999} before {@code 1000}),
   * as query results order them, not as the ids' text does.
   *
   * @param store an empty store
   */
  public static void aMinuteOpensAndClosesWithItsTradesInIdNumberOrderWithinAMillisecond(HotStore store)
      throws Exception {
    long minute = DAY0 + 600_000;
    List<MarketRecord> trades = List.of(trade("BTC-USDT", "10", minute, "2", "1"),
        trade("BTC-USDT", "9", minute, "1", "1"), trade("BTC-USDT", "1000", minute + 59_999, "4", "1"),
        trade("BTC-USDT", "999", minute + 59_999, "3", "1"));
    await(store.write(trades));
    JsonArray bars = await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1m", 60_000,
        minute, minute + 60_000)));
    assertThat(bars).hasSize(1);
    assertThat(bars.getJsonObject(0).getString("open")).isEqualTo("1");
    assertThat(bars.getJsonObject(0).getString("close")).isEqualTo("4");
    assertThat(bars).isEqualTo(expected(trades, "BTC-USDT", 60_000));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
