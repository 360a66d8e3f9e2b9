package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.Decimals;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TradeRecord;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded hot store's batch path: speed, and exact de-duplication by identity. */
class DuckDbIngestTest {

  private static final Logger LOG = LoggerFactory.getLogger(DuckDbIngestTest.class);
  private static final long DAY0 = 1_704_067_200_000L;

  @TempDir
  Path dir;
  Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static List<MarketRecord> trades(int from, int n) {
    List<MarketRecord> out = new ArrayList<>(n);
    for (int i = from; i < from + n; i++) {
      long ts = DAY0 + i * 10L;
      out.add(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, i % 2 == 0 ? "BTC-USDT" : "ETH-USDT",
          i % 2 == 0 ? "BTCUSDT" : "ETHUSDT", ts, ts * 1000 + 3, Long.toString(1_000_000L + i),
          (60000 + i % 997) + "." + (i % 100), "0.0" + (1 + i % 9) + "5", i % 3 == 0 ? "buy" : "sell"));
    }
    return out;
  }

  private long count(DuckDbHotStore store, String table) throws Exception {
    return await(store.database().read(c -> {
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
        rs.next();
        return rs.getLong(1);
      }
    }));
  }

  private DuckDbHotStore started() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    return store;
  }

  @Test
  void everyTypeReadsBackAsItsRecordWithFittedDecimals() throws Exception {
    RoundTripChecks.everyTypeReadsBackFitted(started());
  }

  @Test
  void badMessagesAreRejectedAloneAndTheRestIsStored() throws Exception {
    RoundTripChecks.badMessagesAreRejectedAlone(started());
  }

  @Test
  void redeliveriesOfEveryTypeReadBackOnce() throws Exception {
    RoundTripChecks.everyTypeReadsBackFitted(started(), 3);
  }

  @Test
  void storesTradeBatchesFastAndAbsorbsRepeats() throws Exception {
    DuckDbHotStore store = started();
    int batch = 5000;
    int batches = 40;
    List<List<MarketRecord>> all = new ArrayList<>();
    for (int b = 0; b < batches; b++) {
      all.add(trades(b * batch, batch));
    }
    await(store.write(all.get(0))); // warm-up: first statements compile
    long t0 = System.nanoTime();
    for (int b = 1; b < batches; b++) {
      await(store.write(all.get(b)));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double rate = (batches - 1) * batch / seconds;
    LOG.info("DuckDB trade ingest: {} batches of {} in {} s = {} rows/s", batches - 1, batch,
        String.format("%.3f", seconds), String.format("%.0f", rate));
    // redelivered batches, and a batch mixing old and new records with an in-batch repeat
    await(store.write(all.get(5)));
    List<MarketRecord> mixed = new ArrayList<>(all.get(7).subList(0, 10));
    mixed.addAll(trades(batches * batch, 10));
    mixed.addAll(trades(batches * batch, 1));
    await(store.write(mixed));
    assertThat(count(store, "trade")).isEqualTo(batches * batch + 10L);
    // a coarse guard against the old staging path (~300 rows/s), wide enough for a loaded CI machine; the
    // figure itself is the storage benchmark's (load-tests/run-storage-bench.sh), not this test's
    assertThat(rate).as("rows/s").isGreaterThan(3_000);
    await(store.close());
  }

  @Test
  void storesBookBatchesWithLevelsAndAbsorbsRepeats() throws Exception {
    DuckDbHotStore store = started();
    List<MarketRecord> books = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      List<PriceLevel> bids = new ArrayList<>();
      List<PriceLevel> asks = new ArrayList<>();
      for (int l = 0; l < 20; l++) {
        bids.add(new PriceLevel((60000 - l) + "." + (i % 10), "1." + l));
        asks.add(new PriceLevel((60001 + l) + "." + (i % 10), "0." + (l + 1)));
      }
      long ts = DAY0 + i * 100L;
      books.add(new OrderBookRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000,
          bids, asks, 20, 9_000_000L + i, i % 2 == 0 ? Boolean.TRUE : null));
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < books.size(); i += 1000) {
      await(store.write(books.subList(i, i + 1000)));
    }
    double rate = books.size() / ((System.nanoTime() - t0) / 1e9);
    LOG.info("DuckDB book ingest (20 levels a side): {} rows/s", String.format("%.0f", rate));
    await(store.write(books.subList(500, 1500)));
    assertThat(count(store, "orderbook")).isEqualTo(books.size());
    // levels read back exactly, in order
    OrderBookRecord sample = (OrderBookRecord) books.get(12_345);
    Page page = await(store.records(new RecordQuery(DataType.ORDERBOOK, Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT",
        sample.tsMs(), sample.tsMs() + 1, 10, null), TierPlan.HOT));
    assertThat(page.records()).containsExactly(RecordJson.toJson(new OrderBookRecord(sample.exchange(),
        sample.marketType(), sample.symbol(), sample.exchangeSymbol(), sample.tsMs(), sample.recvTsUs(),
        canonical(sample.bids()), canonical(sample.asks()), sample.depth(), sample.lastUpdateId(),
        sample.checksumOk())));
    // the rate is logged, not asserted: the old list-of-decimals path (5-9k rows/s) is too close to this one
    // on a loaded machine for a bound that cannot flake; load-tests/run-storage-bench.sh measures it
    await(store.close());
  }

  /** Levels as stored: trailing zeros dropped (CONTRACT §3). */
  private static List<PriceLevel> canonical(List<PriceLevel> levels) {
    return levels.stream().map(l -> new PriceLevel(Decimals.canonical(l.price()), Decimals.canonical(l.quantity())))
        .toList();
  }

  private static TradeRecord trade(String id, long ts, String price) {
    return new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000, id, price, "0.5",
        "buy");
  }

  private static OrderBookRecord book(long updateId, long ts) {
    return new OrderBookRecord(Exchange.OKX, MarketType.SPOT, "BTC-USDT", "BTC-USDT", ts, ts * 1000,
        List.of(new PriceLevel("60000.5", "1")), List.of(new PriceLevel("60001", "2.25")), 20, updateId, null);
  }

  @Test
  void aSymbolOutsideTheQueryAlphabetHoldsUpNoBars() throws Exception {
    DuckDbHotStore store = started();
    KlineChecks.aSymbolOutsideTheQueryAlphabetHoldsUpNoBars(store);
    await(store.close());
  }

  @Test
  void barsCarryAnExactQuoteVolumeWithoutDecimalOverflow() throws Exception {
    DuckDbHotStore store = started();
    KlineChecks.barsAreExactWithQuoteVolume(store);
    await(store.close());
  }

  @Test
  void quoteVolumeIsExactForFactorsOfEighteenFractionalDigits() throws Exception {
    DuckDbHotStore store = started();
    KlineChecks.quoteVolumeIsExactForFactorsOfEighteenFractionalDigits(store);
    await(store.close());
  }

  @Test
  void quoteVolumesSummingPastADecimalAreExactAndHoldUpNoOtherInstrument() throws Exception {
    DuckDbHotStore store = started();
    KlineChecks.quoteVolumesSummingPastADecimalAreExactAndHoldUpNoOtherInstrument(store);
    await(store.close());
    DuckDbHotStore reopened = started(); // nothing logged fails the start
    await(reopened.close());
  }

  @Test
  void aTradeWhoseQuoteVolumeNoBarHoldsIsRejectedAlone() throws Exception {
    DuckDbHotStore store = started();
    KlineChecks.aTradeTheBarsCannotHoldIsRejectedAlone(store);
    await(store.close());
    // nothing the bars cannot hold was stored or logged: the store starts again
    DuckDbHotStore reopened = started();
    await(reopened.close());
  }

  @Test
  void sameTradeIdOrBookUpdateAtAnotherTimeIsStoredOnce() throws Exception {
    Path file = dir.resolve("hot.duckdb");
    DuckDbHotStore store = new DuckDbHotStore(vertx, file, dir.resolve("cold"));
    await(store.start());
    await(store.write(List.of(trade("7", DAY0 + 1000, "60000.1"), trade("8", DAY0 + 2000, "60000.2"),
        book(100, DAY0 + 1000))));
    // later time (the in-memory path), earlier time (the staged anti-join path), same batch as a new one
    await(store.write(List.of(trade("8", DAY0 + 2005, "60000.2"), trade("9", DAY0 + 3000, "60000.3"),
        book(100, DAY0 + 1004))));
    await(store.write(List.of(trade("7", DAY0 + 990, "60000.1"), book(100, DAY0 + 990))));
    assertThat(count(store, "trade")).isEqualTo(3);
    assertThat(count(store, "orderbook")).isEqualTo(1);
    await(store.close());

    // a new writer learns the stored ids from the file
    DuckDbHotStore reopened = new DuckDbHotStore(vertx, file, dir.resolve("cold"));
    await(reopened.start());
    await(reopened.write(List.of(trade("9", DAY0 + 3010, "60000.3"), trade("10", DAY0 + 4000, "60000.4"),
        book(100, DAY0 + 5000), book(101, DAY0 + 5000))));
    assertThat(count(reopened, "trade")).isEqualTo(4);
    assertThat(count(reopened, "orderbook")).isEqualTo(2);
    await(reopened.close());
  }
}
