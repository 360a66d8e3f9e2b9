package io.marketprism.storage.archive;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.LiquidationRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.MarketRecord;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.cold.ClickHouseColdTier;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.marketprism.storage.hot.ClickHouseHttp;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import static io.marketprism.storage.archive.ArchiveLateRecordsTest.DAY;
import static io.marketprism.storage.archive.ArchiveLateRecordsTest.DAY0;
import static io.marketprism.storage.archive.ArchiveLateRecordsTest.await;
import static io.marketprism.storage.archive.ArchiveLateRecordsTest.coldRows;
import static io.marketprism.storage.archive.ArchiveLateRecordsTest.dayZero;
import static io.marketprism.storage.archive.ArchiveLateRecordsTest.readAll;
import static io.marketprism.storage.archive.ArchiveLateRecordsTest.trades;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An archive of a day that cold holds in part already (a copy cut short, a drop that failed or was
 * refused after the copy, then records of the day that landed in hot alone) copies only what cold
 * lacks: cold holds each record once as a row of its own, not the day twice. Cold's merges are
 * stopped, so a repeated copy stays visible as rows (ReplacingMergeTree would hide it from FINAL
 * reads, and from stats only once its parts merge, if ever).
 */
class ClickHouseArchiveRerunTest {

  static ClickHouseServer clickhouse;
  Vertx vertx = Vertx.vertx();
  ClickHouseHttp http;

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

  private ClickHouseHotStore store(String url, String db) throws Exception {
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(new JsonObject().put("storage",
        new JsonObject().put("hot", new JsonObject().put("type", "clickhouse").put("url", url).put("database", db))
            .put("cold", new JsonObject().put("database", db + "_cold")))));
    await(store.start());
    return store;
  }

  /** The archiving store, with cold's merges stopped. */
  private ClickHouseHotStore archiving(String db) throws Exception {
    ClickHouseHotStore store = store(clickhouse.httpUrl(), db);
    http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    await(http.execute("SYSTEM STOP MERGES " + db + "_cold.trade"));
    return store;
  }

  /**
   * Another storage instance, started before the archive closes the day (so it routes that day's
   * records to hot), that stops after its hot insert and before it puts them in cold as well: the
   * records are in hot alone, and its write fails (the bus would redeliver them).
   */
  private Function<List<MarketRecord>, Future<Void>> writerStoppingBeforeItsColdInsert(String db) throws Exception {
    HttpServer proxy = await(ClickHouseProxy.start(vertx, clickhouse.httpUrl(), statement ->
        statement.contains("INSERT INTO " + db + "_cold.") ? Future.failedFuture("stopped") : Future.succeededFuture()));
    ClickHouseHotStore other = store("http://127.0.0.1:" + proxy.actualPort(), db);
    return records -> other.write(records).otherwiseEmpty();
  }

  @Test
  void rerunAfterAFailedDropCopiesOnlyWhatColdLacks() throws Exception {
    ClickHouseHotStore store = archiving("rd");
    ArchiveLateRecordsTest.rerunAfterAFailedDropCopiesOnlyWhatColdLacks(store, writerStoppingBeforeItsColdInsert("rd"));
    await(store.close());
  }

  @Test
  void aReadPlannedBeforeTheArchiveMovedItsDayAnswersEveryRecord() throws Exception {
    ClickHouseHotStore store = archiving("rp");
    ArchiveLateRecordsTest.aReadPlannedBeforeTheArchiveMovedItsDayAnswersEveryRecord(store);
    await(store.close());
  }

  @Test
  void aDropRefusedForARecordLandingInHotCopiesOnlyThatRecordAgain() throws Exception {
    ClickHouseHotStore store = archiving("rl");
    ArchiveLateRecordsTest.archivesLateRecord(store, writerStoppingBeforeItsColdInsert("rl"));
    await(store.close());
  }

  @Test
  void aCopyCutShortIsCompletedNotRepeated() throws Exception {
    ClickHouseHotStore store = archiving("rc");
    await(store.write(trades(0, 100)));
    List<String> before = readAll(store, dayZero());
    // what a crash in the middle of the copy leaves: its first blocks committed in cold
    await(http.execute("INSERT INTO rc_cold.trade SELECT * FROM rc.trade WHERE ts_ms < " + (DAY0 + 40_000)));

    JsonObject report = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(100);
    assertThat(await(store.days(DataType.TRADE))).isEmpty();
    assertThat(coldRows(store)).as("rows cold holds, repeats included").isEqualTo(100);
    assertThat(await(http.scalar("SELECT count() FROM rc_cold.trade"))).isEqualTo(100);
    assertThat(await(store.cold().count(DataType.TRADE, DAY))).isEqualTo(100);
    assertThat(readAll(store, dayZero())).isEqualTo(before);
    await(store.close());
  }

  /**
   * A copy the archive stopped waiting for (its request timed out, or the storage stopped) goes on
   * running in ClickHouse. A run started meanwhile copies nothing of that day, since it would add
   * again what that copy commits after it began, and says why; a run after it ends completes the day.
   */
  @Test
  void noSecondCopyOfADayRunsWhileAnEarlierOneStillDoes() throws Exception {
    assumeTrue(System.getenv(ClickHouseServer.CHDB_ENV) == null, "chDB runs one statement at a time");
    ClickHouseHotStore store = archiving("rs");
    await(store.write(trades(0, 100)));
    List<String> before = readAll(store, dayZero());
    String id = ((ClickHouseColdTier) store.cold()).copyQueryId(DataType.TRADE, DAY);
    // the earlier copy: a statement under its query id that runs until it is killed
    URI ch = URI.create(clickhouse.httpUrl());
    Future<?> earlier = WebClient.create(vertx).post(ch.getPort(), ch.getHost(), "/").addQueryParam("query_id", id)
        .addQueryParam("max_block_size", "1").timeout(120_000)
        .sendBuffer(Buffer.buffer("SELECT sleepEachRow(0.1) FROM system.numbers LIMIT 1000 FORMAT TSV"));
    while (await(http.scalar("SELECT count() FROM system.processes WHERE query_id = '" + id + "'")) == 0) {
      assertThat(earlier.isComplete()).as("the earlier copy ended before it was seen running").isFalse();
      Thread.sleep(20);
    }

    JsonObject report = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("moved")).isEmpty();
    assertThat(report.getJsonArray("failed").getJsonObject(0).getString("error"))
        .contains("a copy of 2024-01-01 started earlier is still running on ClickHouse", id);
    assertThat(coldRows(store)).isZero();
    assertThat(await(store.days(DataType.TRADE))).containsExactly(DAY);
    assertThat(readAll(store, dayZero())).isEqualTo(before);

    await(http.execute("KILL QUERY WHERE query_id = '" + id + "' SYNC"));
    await(earlier.otherwiseEmpty());
    JsonObject resumed = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(resumed.getJsonArray("failed")).isEmpty();
    assertThat(resumed.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(100);
    assertThat(coldRows(store)).isEqualTo(100);
    assertThat(readAll(store, dayZero())).isEqualTo(before);
    await(store.close());
  }
  /**
   * The copy and verification of a day read all of it: they have a timeout of their own
   * ({@code storage.archive.step_timeout_ms}), not the writes' {@code storage.hot.timeout_ms}, under
   * which a day that takes longer to copy than a write may take failed every run and never moved.
   */
  @Test
  void aDaysCopyMayTakeLongerThanAWrite() throws Exception {
    HttpServer proxy = await(ClickHouseProxy.start(vertx, clickhouse.httpUrl(), statement ->
        statement.contains("INSERT INTO st_cold.trade") && statement.contains("FINAL")
            ? Future.future(p -> vertx.setTimer(1_500, t -> p.complete())) : Future.succeededFuture()));
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(new JsonObject().put("storage",
        new JsonObject().put("hot", new JsonObject().put("type", "clickhouse").put("url",
                "http://127.0.0.1:" + proxy.actualPort()).put("database", "st").put("timeout_ms", 500))
            .put("cold", new JsonObject().put("database", "st_cold"))
            .put("archive", new JsonObject().put("step_timeout_ms", 30_000)))));
    await(store.start());
    await(store.write(trades(0, 100)));
    List<String> before = readAll(store, dayZero());

    JsonObject report = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(100);
    assertThat(await(store.days(DataType.TRADE))).isEmpty();
    assertThat(readAll(store, dayZero())).isEqualTo(before);
    await(store.close());
  }
  /**
   * Liquidations are keyed by time, side, price and quantity, any of which may be null: a copy
   * repeated over a day cold holds in part adds each missing one once, a null-keyed one included
   * (a plain NOT IN never finds a null in cold and would copy it again at every run).
   */
  @Test
  void aLiquidationDayCopiedAgainHoldsEachOnce() throws Exception {
    ClickHouseHotStore store = store(clickhouse.httpUrl(), "rq");
    http = new ClickHouseHttp(vertx, clickhouse.httpUrl(), Duration.ofSeconds(30));
    await(http.execute("SYSTEM STOP MERGES rq_cold.liquidation"));
    List<MarketRecord> records = List.of(
        liquidation(DAY0 + 1_000, "buy", "61000.5", "13"),
        liquidation(DAY0 + 1_000, "sell", "61000.5", "13"),
        liquidation(DAY0 + 1_000, null, "61000.5", "2"),
        liquidation(DAY0 + 1_000, "buy", null, null),
        liquidation(DAY0 + 2_000, "buy", "60999", "1"));
    await(store.write(records));
    // what a copy cut short leaves: part of the day in cold, a null-keyed record among it
    await(http.execute("INSERT INTO rq_cold.liquidation SELECT * FROM rq.liquidation WHERE side IS NULL OR price IS NULL"));

    JsonObject report = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(await(http.scalar("SELECT count() FROM rq_cold.liquidation"))).as("rows cold holds").isEqualTo(5);
    assertThat(await(store.days(DataType.LIQUIDATION))).isEmpty();
    await(store.close());
  }

  private static MarketRecord liquidation(long tsMs, String side, String price, String quantity) {
    return new LiquidationRecord(Exchange.OKX, MarketType.PERPETUAL, "BTC-USDT", "BTC-USDT-SWAP", tsMs, tsMs * 1000,
        side, price, quantity, null);
  }
}
