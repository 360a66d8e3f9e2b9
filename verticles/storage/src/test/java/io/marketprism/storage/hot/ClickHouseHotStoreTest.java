package io.marketprism.storage.hot;

import io.marketprism.model.DataType;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.TradeRecord;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.archive.ArchiveJob;
import io.marketprism.storage.archive.ArchiveLateRecordsTest;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ClickHouse hot store on the real server (the Debian 18.16 build): klines and archiving, with and
 * without the {@code Buffer} tables of {@code storage.hot.buffer_seconds}.
 */
class ClickHouseHotStoreTest {

  static ClickHouseServer clickhouse;
  Vertx vertx = Vertx.vertx();

  @BeforeAll
  static void server() {
    clickhouse = ClickHouseServer.start();
  }

  @AfterAll
  static void stopServer() {
    clickhouse.close();
  }

  @AfterEach
  void close() {
    vertx.close();
  }

  private ClickHouseHotStore store(String db) throws Exception {
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(new JsonObject().put("storage",
        new JsonObject().put("hot", new JsonObject().put("type", "clickhouse").put("url", clickhouse.httpUrl())
            .put("database", db)).put("cold", new JsonObject().put("database", db + "_cold")))));
    await(store.start());
    return store;
  }

  /** A store as server mode makes it, with {@code storage.hot.buffer_seconds}. */
  private ClickHouseHotStore store(String db, long bufferSeconds) throws Exception {
    JsonObject hot = new JsonObject().put("type", "clickhouse").put("url", clickhouse.httpUrl()).put("database", db)
        .put("buffer_seconds", bufferSeconds);
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(new JsonObject().put("mode", "server")
        .put("storage", new JsonObject().put("hot", hot).put("cold", new JsonObject().put("database", db + "_cold")))));
    await(store.start());
    return store;
  }

  private long count(String sql) throws Exception {
    return await(new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30)).scalar(sql));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void everyTypeReadsBackAsItsRecordWithFittedDecimals() throws Exception {
    RoundTripChecks.everyTypeReadsBackFitted(store("rt"));
  }

  @Test
  void badMessagesAreRejectedAloneAndTheRestIsStored() throws Exception {
    RoundTripChecks.badMessagesAreRejectedAlone(store("rj"));
  }

  /**
   * Every type redelivered, its rows held in parts of their own that ClickHouse has not merged
   * (merges are stopped here, so they surely are not): the queries give each record once, in one
   * page as in pages of one record.
   */
  @Test
  void redeliveriesOfEveryTypeInUnmergedPartsReadBackOnce() throws Exception {
    ClickHouseHotStore store = store("rd");
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    for (DataType t : DataType.values()) {
      await(http.execute("SYSTEM STOP MERGES rd." + TableSchema.of(t).table()));
    }
    RoundTripChecks.everyTypeReadsBackFitted(store, 3);
  }

  @Test
  void aSymbolOutsideTheQueryAlphabetHoldsUpNoBarsNorTheNextStart() throws Exception {
    KlineChecks.aSymbolOutsideTheQueryAlphabetHoldsUpNoBars(store("ks"));
    await(store("ks").close()); // a start recomputes the minutes logged and not flushed: none of them may fail it
  }

  @Test
  void barsCarryAnExactQuoteVolumeWithoutDecimalOverflow() throws Exception {
    KlineChecks.barsAreExactWithQuoteVolume(store("kq"));
  }

  @Test
  void quoteVolumeIsExactForFactorsOfEighteenFractionalDigits() throws Exception {
    KlineChecks.quoteVolumeIsExactForFactorsOfEighteenFractionalDigits(store("kf"));
  }

  @Test
  void quoteVolumesSummingPastADecimalAreExactAndHoldUpNoOtherInstrument() throws Exception {
    KlineChecks.quoteVolumesSummingPastADecimalAreExactAndHoldUpNoOtherInstrument(store("ko"));
    await(store("ko").close()); // nothing logged fails the next start
  }

  @Test
  void aTradeWhoseQuoteVolumeNoBarHoldsIsRejectedAlone() throws Exception {
    KlineChecks.aTradeTheBarsCannotHoldIsRejectedAlone(store("kx"));
  }

  @Test
  void aMinuteOpensAndClosesWithItsTradesInIdNumberOrderWithinAMillisecond() throws Exception {
    BarChecks.aMinuteOpensAndClosesWithItsTradesInIdNumberOrderWithinAMillisecond(store("bo"));
  }

  @Test
  void barsEqualTheirTradesThroughRepeatsLateTradesAndArchiving() throws Exception {
    BarChecks.barsEqualTheirTradesThroughRepeatsLateTradesAndArchiving(store("bq"));
  }

  /**
   * A store of the earlier version (its bars table {@code trade_bar_1m_v2}, quote volumes of factors
   * cut to ten digits): the start drops that table and computes every bar again, exact.
   */
  @Test
  void barsAreBackfilledWhenTheTableIsCreatedOverStoredTradesOfBothTiers() throws Exception {
    ClickHouseHotStore store = store("bb");
    List<MarketRecord> trades = BarChecks.withLongFractions(BarChecks.trades(7, 3000, 1));
    await(store.write(trades));
    await(new ArchiveJob(store).run(BarChecks.DAY0 + 86_400_000L));
    await(store.close());
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    await(http.execute("RENAME TABLE bb." + Bars.TABLE + " TO bb.trade_bar_1m_v2"));
    BarChecks.assertBars(store("bb"), trades, "after backfill");
    assertThat(await(http.scalar("EXISTS TABLE bb.trade_bar_1m_v2"))).isZero();
  }

  @Test
  void minutesLoggedButNotFlushedAreRecomputedAtStart() throws Exception {
    ClickHouseHotStore store = store("br");
    List<MarketRecord> trades = new ArrayList<>(BarChecks.trades(9, 1000, 1));
    await(store.write(trades));
    BarChecks.assertBars(store, trades, "before the crash");
    await(store.close());
    // what a crash leaves: a committed trade whose minute a writer logged but never flushed
    TradeRecord t = BarChecks.trade("BTC-USDT", "unflushed", BarChecks.DAY0 + 3_000_000, "123.45", "6.7");
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    await(http.insert("INSERT INTO br.trade FORMAT JSONEachRow", Buffer.buffer("{\"exchange\":\"binance\","
        + "\"market_type\":\"spot\",\"symbol\":\"BTC-USDT\",\"exchange_symbol\":\"BTCUSDT\",\"ts_ms\":" + t.tsMs()
        + ",\"recv_ts_us\":" + t.recvTsUs() + ",\"trade_id\":\"unflushed\",\"price\":123.45,\"quantity\":6.7,"
        + "\"side\":\"buy\"}\n")));
    await(http.insert("INSERT INTO br.trade_bar_dirty FORMAT JSONEachRow", Buffer.buffer("{\"writer\":\"crashed\","
        + "\"seq\":1,\"logged_ms\":" + System.currentTimeMillis() + ",\"exchange\":\"binance\",\"market_type\":"
        + "\"spot\",\"symbol\":\"BTC-USDT\",\"minute_ms\":" + Bars.minute(t.tsMs()) + "}\n")));
    trades.add(t);
    BarChecks.assertBars(store("br"), trades, "after the restart");
  }

  @Test
  void aKlineQueryIncludesTheTradesAnotherInstanceCommittedAndHasNotFlushedYet() throws Exception {
    ClickHouseHotStore writer = store("bm");
    ClickHouseHotStore reader = store("bm");
    List<MarketRecord> trades = new ArrayList<>(BarChecks.trades(11, 1500, 1));
    await(writer.write(trades.subList(0, 1000)));
    // the writer's own flush waits Bars.FLUSH_DELAY_MS: only its log tells the reader which minutes to recompute
    BarChecks.assertBars(reader, trades.subList(0, 1000), "the writer's first batch");
    await(writer.write(trades.subList(1000, 1500)));
    BarChecks.assertBars(reader, trades, "its second batch, into minutes the reader recomputed already");
    await(writer.close());
    await(reader.close());
  }

  /**
   * Redelivered trades sit in hot as rows of their own until ClickHouse merges their parts (merges
   * are stopped here so that they surely do): the archive copies each record once, so the cold
   * tier's rows (what stats report) are the records moved, not those plus the redeliveries.
   */
  @Test
  void archiveCopiesEachRecordOnceWhileHotHoldsUnmergedRedeliveries() throws Exception {
    ClickHouseHotStore store = store("ad");
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    await(http.execute("SYSTEM STOP MERGES ad.trade"));
    List<MarketRecord> trades = BarChecks.trades(3, 2000, 1);
    await(store.write(trades));
    await(store.write(trades.subList(0, 500)));
    JsonObject report = await(new ArchiveJob(store).run(BarChecks.DAY0 + 86_400_000L));
    long moved = report.getJsonArray("moved").getJsonObject(0).getLong("rows");
    assertThat(moved).isEqualTo(trades.stream().filter(t -> t.tsMs() < BarChecks.DAY0 + 86_400_000L).count());
    JsonObject cold = await(store.cold().stats()).stream().map(JsonObject.class::cast)
        .filter(j -> j.getString("table").equals("trade")).findFirst().orElseThrow();
    assertThat(cold.getLong("rows")).isEqualTo(moved);
    await(store.close());
  }

  /** The 1-minute bars table is a table of the hot store too: stats list it as ClickHouse counts its parts. */
  @Test
  void statsListTheBarsTable() throws Exception {
    ClickHouseHotStore store = store("sb");
    List<MarketRecord> trades = BarChecks.trades(5, 5_000, 1);
    await(store.write(trades));
    BarChecks.assertBars(store, trades, "written"); // recomputes the bars
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    long rows = await(http.scalar("SELECT sum(rows) FROM system.parts WHERE active AND database = 'sb' AND table = '"
        + Bars.TABLE + "'"));
    JsonObject bars = await(store.stats()).stream().map(JsonObject.class::cast)
        .filter(j -> j.getString("table").equals(Bars.TABLE)).findFirst().orElseThrow();
    assertThat(bars.getString("tier")).isEqualTo("hot");
    assertThat(bars.getLong("rows")).isEqualTo(rows).isPositive();
    assertThat(bars.getLong("bytes")).isPositive();
    // the ratio of the two figures it shows, as the other engines give it
    assertThat(bars.getDouble("compression"))
        .isEqualTo(Math.round(100.0 * bars.getLong("uncompressed_bytes") / bars.getLong("bytes")) / 100.0);
    assertThat(await(store.cold().stats()).stream().map(JsonObject.class::cast)
        .noneMatch(j -> j.getString("table").equals(Bars.TABLE))).isTrue();
    await(store.close());
  }

  @Test
  void lateRecordMakesTheArchiveCopyAgainBeforeDroppingThePartition() throws Exception {
    ArchiveLateRecordsTest.archivesLateRecord(store("al"));
  }

  @Test
  void archiveInterruptedBeforeTheDropIsFinishedByTheNextRun() throws Exception {
    ArchiveLateRecordsTest.archiveInterruptedBeforeTheDropIsFinishedByTheNextRun(store("ai"));
  }

  /**
   * Buffered, as in server mode: ten batches are read back at once (bars recomputed from them) while
   * the table holds none of them yet; written out, they are a part per day, not one per batch.
   */
  @Test
  void bufferedBatchesAreReadAtOnceAndWrittenOutAsOnePartPerDay() throws Exception {
    ClickHouseHotStore store = store("bf", 60);
    List<MarketRecord> trades = BarChecks.trades(13, 1000, 1);
    for (int i = 0; i < 10; i++) {
      await(store.write(trades.subList(i * 100, (i + 1) * 100)));
    }
    BarChecks.assertBars(store, trades, "in the buffer");
    String parts = "SELECT count() FROM system.parts WHERE active AND database = 'bf' AND table = 'trade'";
    assertThat(count(parts)).as("nothing written out within the minute").isZero();
    await(store.flushBuffered(DataType.TRADE));
    assertThat(count(parts)).as("one part for each of the two days").isEqualTo(2);
    assertThat(count("SELECT count() FROM bf.trade")).isEqualTo(1000);
    BarChecks.assertBars(store, trades, "written out");
    await(store.close());
  }

  @Test
  void everyTypeReadsBackThroughItsBuffer() throws Exception {
    RoundTripChecks.everyTypeReadsBackFitted(store("rb", 60), 2);
  }

  /** The archive writes a buffer out before it reads a table's days: nothing committed before it stays behind. */
  @Test
  void barsEqualTheirTradesThroughRepeatsLateTradesAndArchivingWithBuffers() throws Exception {
    BarChecks.barsEqualTheirTradesThroughRepeatsLateTradesAndArchiving(store("bz", 60));
    assertThat(count("SELECT count() FROM bz.trade_buffer")).as("all archived, hot holds nothing").isZero();
  }

  /**
   * Each start puts the configured buffer in front of every table: none with 0 (what one held is
   * written into the table), another for another duration, and one of the table's columns in place
   * of one of fewer columns (a table re-keyed with a column added).
   */
  @Test
  void eachStartPlacesTheConfiguredBufferAndKeepsWhatTheLastOneHeld() throws Exception {
    ClickHouseHotStore store = store("bc", 60);
    List<MarketRecord> trades = BarChecks.trades(17, 300, 1);
    await(store.write(trades));
    await(store.close());
    assertThat(count("SELECT count() FROM bc.trade")).isZero();
    store = store("bc", 0);
    assertThat(count("EXISTS TABLE bc.trade_buffer")).isZero();
    assertThat(count("SELECT count() FROM bc.trade")).as("written out when it was dropped").isEqualTo(300);
    await(store.close());

    await(store("bc", 30).close());
    ClickHouseHttp http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    String engine = await(http.select("SELECT engine_full FROM system.tables WHERE database = 'bc' AND name = 'trade_buffer'"))
        .get(0).get("engine_full").toString();
    assertThat(engine.replaceAll("[\\s`']", "")).isEqualTo(ClickHouseHotStore.bufferEngine("bc", "trade", 30).replace(" ", ""));
    await(http.execute("DROP TABLE bc.ticker_buffer"));
    await(http.execute("CREATE TABLE bc.ticker_buffer (exchange String, symbol String) ENGINE = "
        + ClickHouseHotStore.bufferEngine("bc", "ticker", 30)));
    store = store("bc", 30);
    assertThat(count("SELECT count() FROM system.columns WHERE database = 'bc' AND table = 'ticker_buffer'"))
        .as("every column but the version, which the table computes").isEqualTo(
            count("SELECT count() FROM system.columns WHERE database = 'bc' AND table = 'ticker'") - 1);
    List<MarketRecord> tickers = RoundTripChecks.records().stream().filter(r -> r.dataType() == DataType.TICKER).toList();
    await(store.write(tickers));
    Page page = await(store.records(new RecordQuery(DataType.TICKER, null, null, null, 0, Long.MAX_VALUE / 2, 1000, null),
        TierPlan.HOT));
    assertThat(page.records()).containsExactlyElementsOf(tickers.stream().map(RoundTripChecks::fitted).toList());
    await(store.close());
  }
}
