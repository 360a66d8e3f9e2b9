package io.marketprism.loadtest.storage;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.hot.Bars;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.marketprism.storage.hot.ClickHouseHttp;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.marketprism.storage.hot.HotStore;
import io.marketprism.storage.query.Cursor;
import io.marketprism.storage.query.KlineQuery;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Storage benchmark on this machine: (1) the trades and book snapshots normalized from real
 * captures ({@link CaptureCorpus}), repeated with shifted ids and times, written through both hot
 * stores (ClickHouse 18.16 from the testkit, DuckDB in temporary files) with their ingest rate
 * (bar maintenance included), then their bytes on disk per table against the raw exchange JSON
 * they came from; (2) ten million synthetic trades of one symbol and day inserted with SQL, the
 * backfill of their 1-minute bars (a store started over them), and a 1-day 1-minute OHLCV query
 * through each store's kline API, warm, timed a few times.
 *
 * <p>Usage: {@code StorageBenchmark FIXTURES_DIR [TRADE_ROWS=2000000] [BOOK_ROWS=300000]
 * [KLINE_TRADES=10000000] [KLINE_RUNS=5]}.
 */
public final class StorageBenchmark {

  private static final long DAY0 = 1_704_067_200_000L;
  private static final int BATCH = 5000;
  private static final int WARM_UP = 5;

  private StorageBenchmark() {
  }

  /**
   * @param args fixtures directory, then optional sizes
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    Path fixtures = Path.of(args[0]);
    int tradeRows = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
    int bookRows = args.length > 2 ? Integer.parseInt(args[2]) : 300_000;
    int klineTrades = args.length > 3 ? Integer.parseInt(args[3]) : 10_000_000;
    int klineRuns = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    CaptureCorpus corpus = CaptureCorpus.load(fixtures);
    System.out.printf(Locale.ROOT, "corpus: %d trades (%d raw JSON bytes), %d book snapshots (%d raw JSON bytes of "
        + "depth/book messages), span %d ms%n", corpus.trades().size(), corpus.rawTradeBytes(), corpus.books().size(),
        corpus.rawBookBytes(), corpus.spanMs());
    Path tmp = Files.createTempDirectory("mp-storage-bench");
    Vertx vertx = Vertx.vertx();
    try (ClickHouseServer ch = ClickHouseServer.start()) {
      ClickHouseHttp http = new ClickHouseHttp(vertx, ch.httpUrl(), Duration.ofMinutes(10));
      System.out.println("\n== on-disk size vs raw exchange JSON ==");
      System.out.println("store\ttable\trows\tingest_rows_per_s\tbytes_on_disk\traw_json_bytes\tratio");
      ClickHouseHotStore chStore = clickHouse(vertx, ch, "sz");
      sizeRun(vertx, "clickhouse", chStore, corpus, tradeRows, bookRows, http, null, null);
      sizeRun(vertx, "duckdb", null, corpus, tradeRows, bookRows, null, tmp.resolve("trade.duckdb"),
          tmp.resolve("orderbook.duckdb"));

      System.out.println("\n== 1-day 1-minute klines over " + klineTrades + " trades of one symbol ==");
      await(clickHouse(vertx, ch, "kb").close());
      long t0 = System.nanoTime();
      await(http.execute(clickHouseSynthetic("kb", klineTrades)));
      System.out.printf(Locale.ROOT, "clickhouse: INSERT ... SELECT FROM numbers(%d) in %.1f s%n", klineTrades,
          (System.nanoTime() - t0) / 1e9);
      await(http.execute("DROP TABLE kb." + Bars.TABLE));
      t0 = System.nanoTime();
      ClickHouseHotStore kb = clickHouse(vertx, ch, "kb");
      System.out.printf(Locale.ROOT, "clickhouse: start with bars backfilled from the trades in %.1f s%n",
          (System.nanoTime() - t0) / 1e9);
      time("clickhouse", kb, klineRuns, klineTrades);
      pages("clickhouse", kb, DataType.TRADE, klineRuns);
      await(kb.close());

      Path klineFile = tmp.resolve("kline.duckdb");
      DuckDbHotStore duck = new DuckDbHotStore(vertx, klineFile, tmp.resolve("cold"));
      await(duck.start());
      t0 = System.nanoTime();
      await(duck.database().write(c -> {
        try (Statement st = c.createStatement()) {
          st.execute(duckDbSynthetic(klineTrades));
          st.execute("DROP TABLE " + Bars.TABLE);
          st.execute("CHECKPOINT");
        }
        return null;
      }));
      System.out.printf(Locale.ROOT, "duckdb: INSERT ... SELECT FROM range(%d) in %.1f s%n", klineTrades,
          (System.nanoTime() - t0) / 1e9);
      await(duck.close());
      t0 = System.nanoTime();
      duck = new DuckDbHotStore(vertx, klineFile, tmp.resolve("cold"));
      await(duck.start());
      System.out.printf(Locale.ROOT, "duckdb: start with bars backfilled from the trades in %.1f s%n",
          (System.nanoTime() - t0) / 1e9);
      time("duckdb", duck, klineRuns, klineTrades);
      pages("duckdb", duck, DataType.TRADE, klineRuns);
      await(duck.close());
      http.close();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      try (var files = Files.walk(tmp)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static ClickHouseHotStore clickHouse(Vertx vertx, ClickHouseServer ch, String db) throws Exception {
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(new JsonObject().put("storage",
        new JsonObject().put("hot", new JsonObject().put("type", "clickhouse").put("url", ch.httpUrl())
            .put("database", db).put("timeout_ms", 600_000)).put("cold", new JsonObject().put("database", db + "_cold")))));
    await(store.start());
    return store;
  }

  /** Writes the corpus repeated to the row counts, then prints each table's size against the raw JSON. */
  private static void sizeRun(Vertx vertx, String name, HotStore chStore, CaptureCorpus corpus, int tradeRows,
      int bookRows, ClickHouseHttp http, Path duckTrades, Path duckBooks) throws Exception {
    for (DataType type : List.of(DataType.TRADE, DataType.ORDERBOOK)) {
      List<MarketRecord> base = type == DataType.TRADE ? corpus.trades() : corpus.books();
      int rows = type == DataType.TRADE ? tradeRows : bookRows;
      int copies = Math.max(1, rows / base.size());
      long raw = (type == DataType.TRADE ? corpus.rawTradeBytes() : corpus.rawBookBytes()) * copies;
      HotStore store = chStore;
      if (store == null) {
        store = new DuckDbHotStore(vertx, type == DataType.TRADE ? duckTrades : duckBooks, duckTrades.resolveSibling("cold"));
        await(store.start());
      }
      long n = 0;
      long t0 = System.nanoTime();
      List<MarketRecord> batch = new ArrayList<>(BATCH);
      for (int c = 0; c < copies; c++) {
        for (MarketRecord r : base) {
          batch.add(corpus.shifted(r, c));
          if (batch.size() == BATCH) {
            await(store.write(batch));
            n += batch.size();
            batch = new ArrayList<>(BATCH);
          }
        }
      }
      if (!batch.isEmpty()) {
        await(store.write(batch));
        n += batch.size();
      }
      double rate = n / ((System.nanoTime() - t0) / 1e9);
      long bytes;
      if (http != null) {
        await(http.execute("OPTIMIZE TABLE sz." + type.wire() + " FINAL"));
        bytes = await(http.scalar("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = 'sz' "
            + "AND table = '" + type.wire() + "'"));
      } else {
        DuckDbHotStore duck = (DuckDbHotStore) store;
        await(duck.database().write(c -> {
          try (Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
          }
          return null;
        }));
        await(store.close());
        Path file = type == DataType.TRADE ? duckTrades : duckBooks;
        bytes = Files.size(file);
      }
      System.out.printf(Locale.ROOT, "%s\t%s\t%d\t%.0f\t%d\t%d\t1/%.1f%n", name, type.wire(), n, rate, bytes, raw,
          (double) raw / bytes);
    }
  }

  /** Ten million trades over one day: prices and quantities exact decimals made from text. */
  private static String clickHouseSynthetic(String db, int n) {
    return "INSERT INTO " + db + ".trade (exchange, market_type, symbol, exchange_symbol, ts_ms, recv_ts_us, trade_id, "
        + "price, quantity, side) SELECT 'binance', 'spot', 'BTC-USDT', 'BTCUSDT', " + DAY0 + " + intDiv(number * "
        + "86400000, " + n + ") AS ts, ts * 1000, toString(number), toDecimal128(concat(toString(60000 + number % 997),"
        + " '.', toString(number % 100)), 18), toDecimal128(concat('0.', toString(1 + number % 9999)), 18), "
        + "if(number % 2 = 0, 'buy', 'sell') FROM numbers(" + n + ")";
  }

  /**
   * Times pages of 1000 records of the day's one instrument: the first page, the first page after
   * noon (a range starting there), and the page a cursor from the page before noon continues with.
   */
  private static void pages(String label, HotStore store, DataType type, int runs) throws Exception {
    long noon = DAY0 + 43_200_000L;
    RecordQuery first = new RecordQuery(type, Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", DAY0, DAY0 + 86_400_000L,
        1000, null);
    RecordQuery afternoon = new RecordQuery(type, Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", noon,
        DAY0 + 86_400_000L, 1000, null);
    Cursor mid = await(store.records(new RecordQuery(type, Exchange.BINANCE, MarketType.SPOT, "BTC-USDT",
        noon - 60_000, DAY0 + 86_400_000L, 1000, null), TierPlan.HOT)).next();
    RecordQuery continued = new RecordQuery(type, Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", DAY0,
        DAY0 + 86_400_000L, 1000, mid);
    for (RecordQuery q : List.of(first, afternoon, continued)) {
      for (int i = 0; i < WARM_UP; i++) {
        await(store.records(q, TierPlan.HOT));
      }
      double[] ms = new double[runs];
      for (int i = 0; i < runs; i++) {
        long t0 = System.nanoTime();
        int n = await(store.records(q, TierPlan.HOT)).records().size();
        ms[i] = (System.nanoTime() - t0) / 1e6;
        if (n != 1000) {
          throw new IllegalStateException(label + ": a page of " + n);
        }
      }
      report(label + " " + type.wire() + " page of 1000 " + (q == first ? "(day's first)"
          : q == afternoon ? "(from noon)" : "(cursor at noon)"), ms);
    }
    // walking on by each page's cursor, as a client reads a day: every page after the first carries its cursor's hint
    double[] walk = new double[Math.max(10, runs)];
    RecordQuery q = continued;
    for (int i = 0; i < walk.length; i++) {
      long t0 = System.nanoTime();
      Page page = await(store.records(q, TierPlan.HOT));
      walk[i] = (System.nanoTime() - t0) / 1e6;
      if (page.records().size() != 1000) {
        throw new IllegalStateException(label + ": a page of " + page.records().size());
      }
      q = new RecordQuery(type, Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", DAY0, DAY0 + 86_400_000L, 1000,
          page.next());
    }
    report(label + " " + type.wire() + " page of 1000 (walking on by cursor from noon)", walk);
  }

  private static String duckDbSynthetic(int n) {
    // the stored table under the trade view (DuckDbLayout): receive time as its lag behind ts_ms, numeric ids as
    // integers, decimals as text
    return "INSERT INTO trade_rows (exchange, market_type, symbol, exchange_symbol, ts_ms, recv_lag_us, trade_id_num, "
        + "trade_id_text, price_text, quantity_text, side) SELECT 'binance', 'spot', 'BTC-USDT', 'BTCUSDT', " + DAY0
        + " + (i * 86400000) // " + n + ", 0, i, NULL, CAST(60000 + i % 997 AS VARCHAR) || '.' || CAST(i % 100 AS VARCHAR), "
        + "'0.' || CAST(1 + i % 9999 AS VARCHAR), CASE WHEN i % 2 = 0 THEN 'buy' ELSE 'sell' END FROM range(" + n + ") t(i)";
  }

  /** Times the kline API after warm-up queries (JIT, caches): 1440 one-minute bars of the day; checks the bars hold every trade. */
  private static void time(String label, HotStore store, int runs, long trades) throws Exception {
    KlineQuery q = new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1m", 60_000, DAY0,
        DAY0 + 86_400_000L);
    for (int i = 0; i < WARM_UP; i++) {
      await(store.klines(q));
    }
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      JsonArray bars = await(store.klines(q));
      ms[i] = (System.nanoTime() - t0) / 1e6;
      long n = 0;
      for (int b = 0; b < bars.size(); b++) {
        n += bars.getJsonObject(b).getLong("trade_count");
      }
      if (bars.size() != 1440 || n != trades) {
        throw new IllegalStateException(label + ": " + bars.size() + " bars holding " + n + " trades");
      }
    }
    report(label + " kline API", ms);
  }

  private static void report(String label, double[] ms) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    System.out.printf(Locale.ROOT, "%s: min %.0f ms, median %.0f ms, max %.0f ms (runs: %s)%n", label, sorted[0],
        sorted[sorted.length / 2], sorted[sorted.length - 1], Arrays.toString(Arrays.stream(ms).map(Math::round)
            .toArray()));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
  }
}
