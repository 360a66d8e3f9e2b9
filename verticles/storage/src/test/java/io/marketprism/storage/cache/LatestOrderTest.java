package io.marketprism.storage.cache;

import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TickerRecord;
import io.marketprism.model.TradeRecord;
import io.marketprism.platform.bus.BusMessage;
import io.marketprism.storage.hot.Batch;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Newest wins in the latest cache by {@code ts_ms}, then by identity: trades of one millisecond
 * (a burst) arriving out of order, one delivered again or filled in late, leave the newest cached.
 */
class LatestOrderTest {

  static final long TS = 1_704_067_200_000L;

  static MarketRecord trade(long ts, String id) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000, id, "60000.5",
        "0.01", "buy");
  }

  static LatestCache.Latest latest(MarketRecord r) {
    return LatestCache.Latest.of(r.subject(), r.tsMs(), RecordJson.toJson(r));
  }

  @Test
  void keysOfOneMillisecondOrderByNumberWhenBothAreDigits() {
    assertThat(LatestCache.Latest.compareKeys("1000", "999")).isPositive();
    assertThat(LatestCache.Latest.compareKeys("101", "102")).isNegative();
    assertThat(LatestCache.Latest.compareKeys("7", "7")).isZero();
    assertThat(latest(trade(TS, "999")).key()).isEqualTo("999");
  }

  /**
   * Any keys order by their length in bytes, then their bytes, as the stores order trade ids: prefixed
   * ids of one form by their number, and a total order (the former rule, numbers only between two
   * all-digit keys, ran in a circle: 9 before 10 before 1A before 9), so a store's newest is the cache's.
   */
  @Test
  void keysOrderByByteLengthThenBytesATotalOrderAsTheStoresOrderTradeIds() {
    assertThat(LatestCache.Latest.compareKeys("ETH-1000", "ETH-999")).isPositive();
    assertThat(LatestCache.Latest.compareKeys("b-2", "a-10")).isNegative();
    assertThat(LatestCache.Latest.compareKeys("b-2", "a-1")).isPositive();
    List<String> keys = new java.util.ArrayList<>(List.of("1A", "10", "9", "a-10", "\u00e9", "z", "ETH-9"));
    keys.sort(LatestCache.Latest::compareKeys);
    // é is two bytes in UTF-8, as ClickHouse's length and DuckDB's strlen count it
    assertThat(keys).containsExactly("9", "z", "10", "1A", "\u00e9", "a-10", "ETH-9");
  }

  /**
   * Liquidation keys ({@code ts_ms:side:price:quantity}) of one millisecond compare as the stores
   * order the columns: side as text, a missing one after any; price, then quantity as numbers.
   */
  @Test
  void liquidationKeysOfOneMillisecondCompareFieldByFieldAsTheStoresOrderThem() {
    String subject = "liquidation.okx.perpetual.BTC-USDT";
    assertThat(LatestCache.Latest.keyFields(subject)).isEqualTo("tdd");
    assertThat(LatestCache.Latest.keyFields("trade.binance.spot.BTC-USDT")).isEmpty();
    List<String> keys = new java.util.ArrayList<>(List.of(TS + "::5:1", TS + ":sell:1:1", TS + ":buy:1000:10",
        TS + ":buy:1000:9.5", TS + ":buy:999.5:1", TS + ":buy:-2:1", TS + ":buy:1000:", TS + ":buy::1", "junk"));
    keys.sort((a, b) -> LatestCache.Latest.compareKeys(subject, a, b));
    assertThat(keys).containsExactly("junk", TS + ":buy:-2:1", TS + ":buy:999.5:1", TS + ":buy:1000:9.5",
        TS + ":buy:1000:10", TS + ":buy:1000:", TS + ":buy::1", TS + ":sell:1:1", TS + "::5:1");
    assertThat(LatestCache.Latest.compareKeys(subject, TS + ":buy:1.50:2", TS + ":buy:1.5:2.0")).isZero();
  }

  @Test
  void anOlderTradeOfTheSameMillisecondDoesNotReplaceTheNewestInMemory() {
    MemoryLatestCache cache = new MemoryLatestCache();
    MarketRecord newest = trade(TS, "1000");
    cache.offer(List.of(latest(newest)));
    cache.offer(List.of(latest(trade(TS, "999")))); // delivered again, or filled in over REST
    assertThat(cache.peek(newest.subject())).isEqualTo(RecordJson.toJson(newest));
    cache.offer(List.of(latest(trade(TS - 1, "2000"))));
    assertThat(cache.peek(newest.subject())).isEqualTo(RecordJson.toJson(newest));
    MarketRecord next = trade(TS, "1001");
    cache.offer(List.of(latest(next)));
    assertThat(cache.peek(newest.subject())).isEqualTo(RecordJson.toJson(next));
  }

  @Test
  void aBatchKeepsTheNewestTradeOfAMillisecondWhateverTheOrderOfArrival() {
    Vertx vertx = Vertx.vertx();
    try {
      DuckDbHotStore store = new DuckDbHotStore(vertx, Path.of("unused.duckdb"), Path.of("unused-cold"));
      MarketRecord newest = trade(TS, "102");
      Batch batch = store.prepare(List.of(message(trade(TS, "101")), message(newest), message(trade(TS, "100")),
          message(trade(TS - 5, "103"))));
      assertThat(batch.latest()).singleElement().satisfies(l -> {
        assertThat(l.json()).isEqualTo(RecordJson.toJson(newest));
        assertThat(l.key()).isEqualTo("102");
      });
    } finally {
      vertx.close();
    }
  }

  /** A copy of SOL-USDT trade {@code id} at {@link #TS} received {@code recvLagUs} after it, at {@code price}. */
  static MarketRecord copy(String id, long recvLagUs, String price) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "SOL-USDT", "SOLUSDT", TS, TS * 1000 + recvLagUs, id, price,
        "0.01", "buy");
  }

  /**
   * Two copies of the newest identity that differ: the cache and a batch keep the one received
   * first, as the stores do, whichever arrives last.
   */
  @Test
  void ofTwoCopiesOfTheNewestIdentityTheOneReceivedFirstIsKept() {
    MemoryLatestCache cache = new MemoryLatestCache();
    MarketRecord first = copy("7", 100, "1");
    cache.offer(List.of(latest(copy("7", 500, "2"))));
    cache.offer(List.of(latest(first)));
    cache.offer(List.of(latest(copy("7", 900, "3"))));
    assertThat(cache.peek(first.subject())).isEqualTo(RecordJson.toJson(first));
    Vertx vertx = Vertx.vertx();
    try {
      DuckDbHotStore store = new DuckDbHotStore(vertx, Path.of("unused.duckdb"), Path.of("unused-cold"));
      for (List<MarketRecord> order : List.of(List.of(copy("7", 500, "2"), first, copy("7", 900, "3")),
          List.of(first, copy("7", 500, "2")))) {
        Batch batch = store.prepare(order.stream().map(LatestOrderTest::message).toList());
        assertThat(batch.latest()).singleElement().satisfies(l -> assertThat(l.json()).isEqualTo(RecordJson.toJson(first)));
      }
    } finally {
      vertx.close();
    }
  }

  /**
   * A Binance USDⓈ-M bookTicker change at {@link #TS}: best bid {@code bid}, received
   * {@code recvLagUs} after the millisecond began.
   */
  static MarketRecord ticker(String bid, long recvLagUs) {
    return new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", TS, TS * 1000 + recvLagUs,
        bid, "3.101", "101.5", "6.863", null, null, null, null, null);
  }

  /**
   * The best bid of one millisecond went 100, 101, 99, in that order: in the fields' order the
   * last is 101. Then the first is published again (received later): it keeps its place.
   */
  static final List<MarketRecord> TICKERS = List.of(ticker("100", 100), ticker("101", 200), ticker("99", 300),
      ticker("100", 900));

  /**
   * Tickers of one millisecond: the cache holds the one received last (the current best bid and
   * offer), not the last in the order of their fields, offered one by one or in one batch in any
   * order; a later copy of the first one received leaves it in place.
   */
  @Test
  void ofTickersOfOneMillisecondTheOneReceivedLastIsNewestAndALaterCopyOfAnEarlierOneIsNot() {
    String current = RecordJson.toJson(TICKERS.get(2));
    MemoryLatestCache cache = new MemoryLatestCache();
    for (MarketRecord t : TICKERS) {
      cache.offer(List.of(latest(t)));
    }
    assertThat(cache.peek(TICKERS.get(0).subject())).as("one by one").isEqualTo(current);
    Vertx vertx = Vertx.vertx();
    try {
      DuckDbHotStore store = new DuckDbHotStore(vertx, Path.of("unused.duckdb"), Path.of("unused-cold"));
      for (List<MarketRecord> order : List.of(TICKERS, List.of(TICKERS.get(3), TICKERS.get(2), TICKERS.get(0),
          TICKERS.get(1)))) {
        Batch batch = store.prepare(order.stream().map(LatestOrderTest::message).toList());
        MemoryLatestCache fresh = new MemoryLatestCache();
        fresh.offer(batch.latest());
        assertThat(fresh.peek(TICKERS.get(0).subject())).as("one batch " + order).isEqualTo(current);
      }
      // in batches of their own: the first copy's batch comes before the later copy's
      MemoryLatestCache batched = new MemoryLatestCache();
      batched.offer(store.prepare(List.of(message(TICKERS.get(0)), message(TICKERS.get(1)))).latest());
      batched.offer(store.prepare(List.of(message(TICKERS.get(3)), message(TICKERS.get(2)))).latest());
      assertThat(batched.peek(TICKERS.get(0).subject())).as("two batches").isEqualTo(current);
    } finally {
      vertx.close();
    }
    // the next millisecond forgets this one's
    MarketRecord next = new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", TS + 1,
        TS * 1000 + 1500, "100", "3.101", "101.5", "6.863", null, null, null, null, null);
    cache.offer(List.of(latest(next)));
    assertThat(cache.peek(next.subject())).isEqualTo(RecordJson.toJson(next));
  }

  private static BusMessage message(MarketRecord r) {
    return new BusMessage(r.subject(), RecordJson.toBytes(r), false);
  }
}
