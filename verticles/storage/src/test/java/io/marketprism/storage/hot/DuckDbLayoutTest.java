package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import io.marketprism.storage.archive.ArchiveJob;
import io.marketprism.storage.query.KlineQuery;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static io.marketprism.storage.hot.BarChecks.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded store's stored form ({@link DuckDbLayout}, {@link SortedCheckpoints}): files of
 * earlier versions are upgraded and read the same; sorting the newest rows at a checkpoint keeps
 * every record and the de-duplication exact.
 */
class DuckDbLayoutTest {

  @TempDir
  Path dir;
  Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  private DuckDbHotStore open(Path file) throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, file, dir.resolve("cold"));
    await(store.start());
    return store;
  }

  private static Map<DataType, List<String>> allRecords(HotStore store) throws Exception {
    Map<DataType, List<String>> out = new EnumMap<>(DataType.class);
    for (DataType t : DataType.values()) {
      Page page = await(store.records(new RecordQuery(t, null, null, null, BarChecks.DAY0,
          BarChecks.DAY0 + 3 * 86_400_000L, 10_000, null), TierPlan.HOT));
      out.put(t, page.records());
    }
    return out;
  }

  /**
   * Every type but trades from {@link RoundTripChecks#records()} (its trades' extreme decimals
   * overflow a bar's quote volume), and trades with text ids.
   */
  private static List<MarketRecord> othersAndTextIds() {
    List<MarketRecord> out = new ArrayList<>(RoundTripChecks.records().stream()
        .filter(r -> r.dataType() != DataType.TRADE).toList());
    out.add(BarChecks.trade("BTC-USDT", "ETH-77", BarChecks.DAY0 + 7_000, "61737.63", "0.5"));
    out.add(BarChecks.trade("ETH-USDT", "00123", BarChecks.DAY0 + 8_000, "2600.1", "1.25"));
    return out;
  }

  private static JsonArray klines(HotStore store) throws Exception {
    return await(store.klines(new KlineQuery(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "1h", 3_600_000,
        BarChecks.DAY0, BarChecks.DAY0 + 2 * 86_400_000L)));
  }

  private static String query(DuckDbHotStore store, String sql) throws Exception {
    return await(store.database().read(c -> {
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
        return rs.next() ? rs.getString(1) : null;
      }
    }));
  }

  @Test
  void statsCountRowsInTheLogAndTheCheckpointedRowsBytesAndCompression() throws Exception {
    DuckDbHotStore store = open(dir.resolve("stats.duckdb"));
    await(store.write(BarChecks.trades(5, 100_000, 1)));
    JsonObject trade = tradeStats(store);
    assertThat(trade.getLong("rows")).isEqualTo(100_000);
    assertThat(trade.getLong("rows_in_log")).as("nothing checkpointed yet").isEqualTo(100_000);
    assertThat(trade.getLong("bytes")).isZero();
    assertThat(trade.getValue("compression")).isNull();

    await(store.sortedCheckpoint());
    trade = tradeStats(store);
    assertThat(trade.getLong("rows_in_log")).isZero();
    long packed = trade.getLong("bytes");
    // exchange, market type, symbol, exchange symbol, side and the decimals as text, three BIGINTs: 60-100 bytes a row
    assertThat(trade.getLong("uncompressed_bytes")).isBetween(100_000L * 60, 100_000L * 100);
    assertThat(packed).isPositive().isLessThan(java.nio.file.Files.size(dir.resolve("stats.duckdb")));
    assertThat(trade.getDouble("compression")).isGreaterThan(1.5)
        .isEqualTo(Math.round(100.0 * trade.getLong("uncompressed_bytes") / packed) / 100.0);
    JsonObject book = await(store.stats()).stream().map(JsonObject.class::cast)
        .filter(j -> j.getString("table").equals("orderbook")).findFirst().orElseThrow();
    assertThat(book.getLong("rows")).isZero();
    assertThat(book.getLong("bytes")).isZero();
    await(store.close());
  }

  /**
   * A small table's segments end inside a block whose rest is free: that rest is not the table's.
   * Counted to the block's end, 500 trades (40 KB of values) read as 200 KB, a compression of 0.2.
   */
  @Test
  void aSmallTableIsNotChargedTheFreeRestOfItsBlock() throws Exception {
    DuckDbHotStore store = open(dir.resolve("small.duckdb"));
    await(store.write(BarChecks.trades(5, 500, 1)));
    await(store.sortedCheckpoint());
    JsonObject trade = tradeStats(store);
    assertThat(trade.getLong("rows")).isEqualTo(500);
    assertThat(trade.getLong("bytes")).isPositive().isLessThan(trade.getLong("uncompressed_bytes"));
    assertThat(trade.getDouble("compression")).isGreaterThan(1);
    await(store.close());
  }

  @Test
  void aSegmentsBoundIsItsValuesUncompressedAndAHeader() {
    assertThat(DuckDbHotStore.lastSegmentBound("BIGINT", 100, "")).isEqualTo(4096 + 800);
    assertThat(DuckDbHotStore.lastSegmentBound("DECIMAL(38,18)", 100, "")).isEqualTo(4096 + 1600);
    assertThat(DuckDbHotStore.lastSegmentBound("DECIMAL(18,3)", 100, "")).isEqualTo(4096 + 800);
    assertThat(DuckDbHotStore.lastSegmentBound("VALIDITY", 100, "")).isEqualTo(4096 + 13);
    assertThat(DuckDbHotStore.lastSegmentBound("VARCHAR", 100,
        "[Min: BTC-USDT, Max: BTC-USDT, Has Unicode: false, Max String Length: 8][Has Null: false]"))
        .isEqualTo(4096 + 1200);
    assertThat(DuckDbHotStore.lastSegmentBound("VARCHAR", 100, "[Has Null: false]")).isEqualTo(Long.MAX_VALUE);
    assertThat(DuckDbHotStore.lastSegmentBound("STRUCT(a INTEGER)", 100, "")).isEqualTo(Long.MAX_VALUE);
  }

  /**
   * DuckDB keeps deleted rows in their blocks until a checkpoint, and the log a drop leaves is far
   * below the writer's 64 MiB trigger: archiving a day checkpoints, so its bytes are freed at once
   * and stats do not set the day's bytes against the remaining rows' plain size.
   */
  @Test
  void archivingADayFreesItsBytesAndStatsSayItAtOnce() throws Exception {
    DuckDbHotStore store = open(dir.resolve("archive.duckdb"));
    await(store.write(BarChecks.trades(5, 200_000, 1)));
    await(store.sortedCheckpoint());
    JsonObject before = tradeStats(store);
    JsonObject report = await(new ArchiveJob(store).run(BarChecks.DAY0 + 86_400_000L));
    long moved = report.getJsonArray("moved").getJsonObject(0).getLong("rows");
    JsonObject after = tradeStats(store);
    assertThat(after.getLong("rows")).isEqualTo(before.getLong("rows") - moved);
    assertThat(after.getLong("bytes")).isLessThan(before.getLong("bytes") * (before.getLong("rows") - moved)
        / before.getLong("rows") * 3 / 2);
    await(store.sortedCheckpoint());
    assertThat(tradeStats(store)).as("what a checkpoint finds").isEqualTo(after);
    await(store.close());
  }

  /** The 1-minute bars table is a table of the store too: stats list it, one row per instrument and minute. */
  @Test
  void statsListTheBarsTable() throws Exception {
    DuckDbHotStore store = open(dir.resolve("bars.duckdb"));
    java.util.List<MarketRecord> trades = BarChecks.trades(5, 20_000, 1);
    await(store.write(trades));
    klines(store); // recomputes the bars
    await(store.sortedCheckpoint());
    JsonObject bars = await(store.stats()).stream().map(JsonObject.class::cast)
        .filter(j -> j.getString("table").equals(Bars.TABLE)).findFirst().orElseThrow();
    long minutes = trades.stream().map(t -> t.symbol() + Bars.minute(t.tsMs())).distinct().count();
    assertThat(bars.getString("tier")).isEqualTo("hot");
    assertThat(bars.getLong("rows")).isEqualTo(minutes);
    assertThat(bars.getLong("rows_in_log")).isZero();
    assertThat(bars.getLong("bytes")).isPositive();
    assertThat(bars.getLong("uncompressed_bytes")).isGreaterThan(minutes * 100);
    assertThat(bars.getDouble("compression")).isPositive();
    await(store.close());
  }

  private static JsonObject tradeStats(DuckDbHotStore store) throws Exception {
    return await(store.stats()).stream().map(JsonObject.class::cast)
        .filter(j -> j.getString("table").equals("trade")).findFirst().orElseThrow();
  }

  @Test
  void fileOfAnEarlierVersionIsUpgradedAndReadsTheSame() throws Exception {
    Path current = dir.resolve("current.duckdb");
    DuckDbHotStore store = open(current);
    List<MarketRecord> records = new ArrayList<>(othersAndTextIds());
    records.addAll(BarChecks.trades(3, 2000, 1));
    await(store.write(records));
    Map<DataType, List<String>> expected = allRecords(store);
    JsonArray bars = klines(store);
    await(store.close());

    // what earlier versions wrote: DuckDB's default storage format, one table per data type holding the fields
    Path earlier = dir.resolve("earlier.duckdb");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + earlier); Statement st = c.createStatement()) {
      st.execute("ATTACH '" + current + "' AS cur (READ_ONLY)");
      for (DataType t : DataType.values()) {
        st.execute("CREATE TABLE " + t.wire() + " AS SELECT * FROM cur." + t.wire());
      }
      st.execute("CREATE TABLE " + Bars.TABLE + " AS SELECT * FROM cur." + Bars.TABLE);
      st.execute("CREATE TABLE trade_bar_dirty AS SELECT * FROM cur.trade_bar_dirty");
      st.execute("DETACH cur");
      try (ResultSet rs = st.executeQuery("SELECT tags['storage_version'] FROM duckdb_databases() "
          + "WHERE database_name = current_database()")) {
        rs.next();
        assertThat(DuckDb.older(rs.getString(1))).as(rs.getString(1)).isTrue();
      }
    }

    DuckDbHotStore upgraded = open(earlier);
    assertThat(query(upgraded, "SELECT tags['storage_version'] FROM duckdb_databases() "
        + "WHERE database_name = current_database()")).startsWith(DuckDb.STORAGE_VERSION);
    assertThat(query(upgraded, "SELECT table_type FROM information_schema.tables WHERE table_name = 'trade'"))
        .isEqualTo("VIEW");
    assertThat(allRecords(upgraded)).isEqualTo(expected);
    assertThat(klines(upgraded)).isEqualTo(bars);
    // the stored identities are found: writing everything again adds nothing
    await(upgraded.write(records));
    assertThat(allRecords(upgraded)).isEqualTo(expected);
    await(upgraded.close());
    assertThat(dir.resolve("earlier.duckdb.upgrade")).doesNotExist();

    // and it opens as it is now
    DuckDbHotStore reopened = open(earlier);
    assertThat(allRecords(reopened)).isEqualTo(expected);
    await(reopened.close());
  }

  @Test
  void newestRowsSortedAtCheckpointsKeepEveryRecordAndIdentity() throws Exception {
    Path file = dir.resolve("hot.duckdb");
    DuckDbHotStore store = open(file);
    List<MarketRecord> others = othersAndTextIds();
    List<MarketRecord> trades = new ArrayList<>(BarChecks.trades(5, 6000, 1_000_000));
    List<MarketRecord> records = new ArrayList<>(others);
    records.addAll(trades);
    // batches of either half interleaved, so rows arrive out of order; a checkpoint between them
    int half = trades.size() / 2;
    await(store.write(others));
    for (int i = 0; i < half; i += 500) {
      await(store.write(trades.subList(half + i, half + i + 500)));
      await(store.write(trades.subList(i, i + 500)));
      if (i == 1500) {
        await(store.sortedCheckpoint());
      }
    }
    Map<DataType, List<String>> expected = allRecords(store);
    await(store.sortedCheckpoint());
    assertThat(allRecords(store)).isEqualTo(expected);
    trades.addAll(others.stream().filter(r -> r.dataType() == DataType.TRADE).toList());
    BarChecks.assertBars(store, trades, "after sorted checkpoints");
    // every stored trade row in table order, each once
    assertThat(query(store, "SELECT count(*) FROM (SELECT exchange, market_type, symbol, ts_ms, lag((exchange, "
        + "market_type, symbol, ts_ms)) OVER (ORDER BY rowid) AS prev FROM trade_rows) "
        + "WHERE prev > (exchange, market_type, symbol, ts_ms)")).isEqualTo("0");
    assertThat(query(store, "SELECT count(*) FROM trade_rows")).isEqualTo(Integer.toString(trades.size()));
    // repeats after the checkpoint, and a late trade among them, are absorbed or stored once
    await(store.write(trades.subList(100, 900)));
    TradeRecord late = BarChecks.trade("BTC-USDT", "late", BarChecks.DAY0 + 5_000, "123.45", "6.7");
    await(store.write(List.of(late, late)));
    await(store.sortedCheckpoint());
    records.add(late);
    trades.add(late);
    BarChecks.assertBars(store, trades, "after repeats");
    await(store.close());
    DuckDbHotStore reopened = open(file);
    await(reopened.write(records));
    BarChecks.assertBars(reopened, trades, "after reopening");
    assertThat(allRecords(reopened).get(DataType.TICKER)).isEqualTo(expected.get(DataType.TICKER));
    await(reopened.close());
  }
}
