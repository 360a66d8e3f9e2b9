package io.marketprism.storage.cold;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.OrderBookRecord;
import io.marketprism.model.PriceLevel;
import io.marketprism.model.RecordJson;
import io.marketprism.model.TickerRecord;
import io.marketprism.storage.archive.ArchiveJob;
import io.marketprism.storage.archive.ArchiveLateRecordsTest;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.marketprism.storage.query.RecordQuery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Parquet day files written by earlier versions of the embedded cold tier. */
class ParquetEarlierFormatTest {

  private static final long DAY0 = 1_704_067_200_000L;
  private static final long DAY = 86_400_000L;

  @TempDir
  Path dir;
  Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  private static MarketRecord book(long ts, long id, List<PriceLevel> bids, List<PriceLevel> asks) {
    return new OrderBookRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", ts, ts * 1000, bids, asks,
        20, id, null);
  }

  private DuckDbHotStore started() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    return store;
  }

  private static List<String> readAll(DuckDbHotStore store, int limit) throws Exception {
    return ArchiveLateRecordsTest.readAll(store, new RecordQuery(DataType.ORDERBOOK, null, null, null, DAY0,
        DAY0 + 3 * DAY, limit, null));
  }

  /**
   * The first versions archived book days with each side as lists of decimals; this one holds
   * them as text. Read together with hot or with a file of this version, such a file failed every
   * query of its day ("VARCHAR ... can't be cast to DECIMAL(38,18)[]"), and a late record of the
   * day could not be archived. The start rewrites it in this version's form: the day reads as it
   * was stored, beside hot records and days archived since, and takes late records.
   */
  @Test
  void aBookDayArchivedByAnEarlierVersionReadsWithTheRestAndTakesLateRecords() throws Exception {
    List<MarketRecord> day0 = List.of(
        book(DAY0 + 1_000, 7, List.of(new PriceLevel("60000.1", "1.5"), new PriceLevel("59999", "0.000000000000000001")),
            List.of()),
        book(DAY0 + 2_000, 8, List.of(), List.of(new PriceLevel("60000.2", "99999999999999999999.999999999999999999"),
            new PriceLevel("60001", "0"))));
    DuckDbHotStore store = started();
    await(store.write(day0));
    Path f = dir.resolve("cold/orderbook/date=2024-01-01/part.parquet");
    Files.createDirectories(f.getParent());
    String list = "list_transform(string_split(%s, ','), x -> CAST(x AS DECIMAL(38,18)))";
    // as the first versions wrote a day: their hot table's columns, book sides DECIMAL(38,18)[]
    await(store.database().write(c -> {
      try (Statement st = c.createStatement()) {
        st.execute("COPY (SELECT exchange, market_type, symbol, exchange_symbol, ts_ms, recv_ts_us, "
            + "CASE WHEN bids_price = '' THEN [] ELSE " + list.formatted("bids_price") + " END AS bids_price, "
            + "CASE WHEN bids_qty = '' THEN [] ELSE " + list.formatted("bids_qty") + " END AS bids_qty, "
            + "CASE WHEN asks_price = '' THEN [] ELSE " + list.formatted("asks_price") + " END AS asks_price, "
            + "CASE WHEN asks_qty = '' THEN [] ELSE " + list.formatted("asks_qty") + " END AS asks_qty, "
            + "depth, last_update_id, checksum_ok FROM orderbook ORDER BY ts_ms) TO '" + f
            + "' (FORMAT PARQUET, COMPRESSION ZSTD)");
        st.execute("DELETE FROM orderbook_rows");
      }
      return null;
    }));
    await(store.close());

    store = started();
    List<MarketRecord> day1 = List.of(book(DAY0 + DAY + 1_000, 9, List.of(new PriceLevel("1", "2")), List.of()),
        book(DAY0 + 2 * DAY + 1_000, 10, List.of(), List.of(new PriceLevel("3", "4"))));
    await(store.write(day1));
    List<String> expected = new ArrayList<>();
    for (MarketRecord r : day0) {
      expected.add(RecordJson.toJson(r));
    }
    day1.forEach(r -> expected.add(RecordJson.toJson(r)));
    assertThat(readAll(store, 1000)).as("the earlier day in cold, the others hot").isEqualTo(expected);

    JsonObject report = await(new ArchiveJob(store).run(DAY0 + 2 * DAY));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(readAll(store, 1)).as("two days in cold, one hot").isEqualTo(expected);

    MarketRecord late = book(DAY0 + 1_500, 1, List.of(new PriceLevel("5", "6")), List.of());
    await(store.write(List.of(late)));
    expected.add(1, RecordJson.toJson(late));
    JsonObject again = await(new ArchiveJob(store).run(DAY0 + 2 * DAY));
    assertThat(again.getJsonArray("failed")).as(again.encode()).isEmpty();
    assertThat(again.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(3);
    assertThat(readAll(store, 2)).isEqualTo(expected);
    await(store.close());
  }

  private static TickerRecord ticker(long ts, long recv, String askQty, Long updateId) {
    return new TickerRecord(Exchange.BINANCE, MarketType.PERPETUAL, "BTC-USDT", "BTCUSDT", ts, recv, "28145.1", "3.101",
        "28145.2", askQty, null, null, null, null, null, updateId);
  }

  private static List<String> tickers(DuckDbHotStore store, int limit) throws Exception {
    return ArchiveLateRecordsTest.readAll(store, new RecordQuery(DataType.TICKER, null, null, null, DAY0, DAY0 + 3 * DAY,
        limit, null));
  }

  /**
   * Tickers stored and archived by the version before {@code update_id} (Binance's {@code u}): the
   * start adds the column to the hot table (last, where the Appender puts it) and to the day's
   * Parquet file, the rows reading with a null update id. A best bid/offer that goes back to an
   * earlier state within its millisecond (A, B, A) is then three records, the same update sent again
   * still one, in hot, in cold and across both.
   */
  @Test
  void tickersOfTheVersionBeforeUpdateIdsTakeTheColumnInHotAndColdAndReadWithTheRest() throws Exception {
    List<MarketRecord> before = List.of(ticker(DAY0 + 1_000, (DAY0 + 1_000) * 1000, "6.863", null),
        ticker(DAY0 + 1_000, (DAY0 + 1_000) * 1000 + 5, "6.867", null),
        ticker(DAY0 + DAY + 1_000, (DAY0 + DAY + 1_000) * 1000, "6.9", null));
    DuckDbHotStore store = started();
    await(store.write(before));
    JsonObject archived = await(new ArchiveJob(store).run(DAY0 + DAY));
    assertThat(archived.getJsonArray("failed")).isEmpty();
    Path f = dir.resolve("cold/ticker/date=2024-01-01/part.parquet");
    assertThat(f).exists();
    // as that version left them: no update_id in the hot table or in the day's file
    await(store.database().write(c -> {
      try (Statement st = c.createStatement()) {
        st.execute("COPY (SELECT * EXCLUDE (update_id) FROM read_parquet('" + f + "')) TO '" + f + ".before' "
            + "(FORMAT PARQUET, COMPRESSION ZSTD)");
        st.execute("DROP VIEW ticker");
        st.execute("ALTER TABLE ticker_rows DROP COLUMN update_id");
      }
      return null;
    }));
    await(store.close());
    Files.move(f.resolveSibling("part.parquet.before"), f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    store = started();
    List<String> expected = new ArrayList<>(before.stream().map(RecordJson::toJson).toList());
    assertThat(tickers(store, 1000)).isEqualTo(expected);
    long ts = DAY0 + DAY + 2_000;
    List<MarketRecord> aba = List.of(ticker(ts, ts * 1000, "6.863", 5001L), ticker(ts, ts * 1000 + 1, "6.867", 5002L),
        ticker(ts, ts * 1000 + 2, "6.863", 5003L));
    await(store.write(aba));
    await(store.write(List.of(ticker(ts, ts * 1000 + 9, "6.8630", 5001L))));
    // a late one of the archived day, with its update id
    MarketRecord late = ticker(DAY0 + 1_000, (DAY0 + 1_000) * 1000 + 7, "6.863", 4001L);
    await(store.write(List.of(late)));
    aba.forEach(r -> expected.add(RecordJson.toJson(r)));
    expected.add(2, RecordJson.toJson(late));
    assertThat(tickers(store, 1000)).isEqualTo(expected);
    JsonObject again = await(new ArchiveJob(store).run(DAY0 + 2 * DAY));
    assertThat(again.getJsonArray("failed")).as(again.encode()).isEmpty();
    assertThat(tickers(store, 1)).as("both days in cold").isEqualTo(expected);
    await(store.close());
  }
}
