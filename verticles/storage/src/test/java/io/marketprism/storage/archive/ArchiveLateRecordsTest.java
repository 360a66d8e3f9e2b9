package io.marketprism.storage.archive;

import io.marketprism.model.DataType;
import io.marketprism.model.Exchange;
import io.marketprism.model.MarketRecord;
import io.marketprism.model.MarketType;
import io.marketprism.model.TradeRecord;
import io.marketprism.storage.hot.DuckDbHotStore;
import io.marketprism.storage.hot.HotStore;
import io.marketprism.storage.query.Cursor;
import io.marketprism.storage.query.Page;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records that arrive for a day while it is being archived are copied too, never dropped; a run
 * stopped between a day's copy and its drop is finished by the next (embedded tiers; the ClickHouse
 * store's test runs the same checks).
 */
public class ArchiveLateRecordsTest {

  static final long DAY0 = 1_704_067_200_000L;
  static final LocalDate DAY = LocalDate.of(2024, 1, 1);

  @TempDir
  Path dir;
  Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  /** {@code n} BTC-USDT trades of 2024-01-01 with ids from {@code firstId}. */
  static List<MarketRecord> trades(int firstId, int n) {
    List<MarketRecord> out = new ArrayList<>();
    for (int i = firstId; i < firstId + n; i++) {
      long ts = DAY0 + i * 1000L;
      out.add(new TradeRecord(Exchange.BINANCE, MarketType.SPOT, "BTC-USDT", "BTCUSDT", ts, ts * 1000,
          Integer.toString(i), "60000." + i, "0.01", "sell"));
    }
    return out;
  }

  /** Runs the archive of day 0 with a late record written to hot right after the first copy; checks nothing is lost. */
  public static void archivesLateRecord(HotStore store) throws Exception {
    archivesLateRecord(store, store::write);
  }

  /**
   * Runs the archive of day 0 with a late record written right after the first copy, so that the
   * drop is refused and the day copied again: nothing is lost, and the second copy adds only that
   * record, so cold holds each record of the day once as a row of its own (what stats count).
   *
   * @param store the store
   * @param lateWrite how the late record is written (through the store, or into hot alone)
   */
  public static void archivesLateRecord(HotStore store, Function<List<MarketRecord>, Future<Void>> lateWrite)
      throws Exception {
    await(store.write(trades(0, 100)));
    HotStore racing = LateRecords.afterFirstCopy(store, () -> lateWrite.apply(trades(5000, 1)));
    JsonObject report = await(new ArchiveJob(racing).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(101);
    assertThat(await(store.cold().count(DataType.TRADE, DAY))).isEqualTo(101);
    assertThat(coldRows(store)).as("rows cold holds, repeats included").isEqualTo(101);
    assertThat(await(store.days(DataType.TRADE))).isEmpty();
    assertThat(readAll(store, dayZero())).hasSize(101).doesNotHaveDuplicates();
  }

  /**
   * The drop of a day fails after its copy, then a record of the day lands in hot alone (a writer
   * that stopped before it put it in cold too): the next run copies that record and not the day
   * again, so cold holds each record once as a row of its own; reads answer as before, and a third
   * run moves and writes nothing.
   *
   * @param store the store
   * @param intoHotOnly writes records into hot and not into cold
   */
  public static void rerunAfterAFailedDropCopiesOnlyWhatColdLacks(HotStore store,
      Function<List<MarketRecord>, Future<Void>> intoHotOnly) throws Exception {
    await(store.write(trades(0, 100)));
    JsonObject failed = await(new ArchiveJob(LateRecords.firstDropFails(store)).run(DAY0 + 86_400_000L));
    assertThat(failed.getJsonArray("failed")).hasSize(1);
    assertThat(coldRows(store)).isEqualTo(100);
    await(intoHotOnly.apply(trades(5000, 1)));
    List<String> before = readAll(store, dayZero());
    assertThat(before).hasSize(101);

    JsonObject resumed = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(resumed.getJsonArray("failed")).isEmpty();
    assertThat(resumed.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(101);
    assertThat(await(store.days(DataType.TRADE))).isEmpty();
    assertThat(await(store.cold().count(DataType.TRADE, DAY))).isEqualTo(101);
    assertThat(coldRows(store)).as("rows cold holds, repeats included").isEqualTo(101);
    assertThat(readAll(store, dayZero())).isEqualTo(before);

    JsonObject again = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(again.getJsonArray("moved")).isEmpty();
    assertThat(again.getJsonArray("failed")).isEmpty();
    assertThat(coldRows(store)).isEqualTo(101);
    assertThat(readAll(store, dayZero())).isEqualTo(before);
  }

  /**
   * The archive moves a day after a read of it listed the cold days and before it reads: planned
   * for hot alone, it would find the day in neither tier. The read sees the plan outdated once done
   * and reads again, so it answers every record.
   */
  public static void aReadPlannedBeforeTheArchiveMovedItsDayAnswersEveryRecord(HotStore store) throws Exception {
    await(store.write(trades(0, 100)));
    RecordQuery q = new RecordQuery(DataType.TRADE, null, null, null, DAY0, DAY0 + 86_400_000L, 1000, null);
    List<String> before = await(store.records(q, TierPlan.HOT)).records();
    assertThat(before).hasSize(100);
    java.util.concurrent.atomic.AtomicBoolean archived = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.function.Supplier<Future<List<LocalDate>>> listedThenArchived = () -> store.cold().days(DataType.TRADE)
        .compose(listed -> archived.getAndSet(true) ? Future.succeededFuture(listed)
            : new ArchiveJob(store).run(DAY0 + 86_400_000L).map(listed));
    Page page = await(TierPlan.read(listedThenArchived, q.startMs(), q.endMs(), plan -> store.records(q, plan)));
    assertThat(await(store.days(DataType.TRADE))).as("the day was moved during the read").isEmpty();
    assertThat(page.records()).isEqualTo(before);
  }

  /** @return the trade rows the cold tier holds as its stats count them: every row, a repeated record as often as stored */
  static long coldRows(HotStore store) throws Exception {
    return await(store.cold().stats()).stream().map(JsonObject.class::cast)
        .filter(j -> j.getString("table").equals(DataType.TRADE.wire())).findFirst().orElseThrow().getLong("rows");
  }

  /** @return every trade of day 0, seven a page */
  static RecordQuery dayZero() {
    return new RecordQuery(DataType.TRADE, null, null, null, DAY0, DAY0 + 86_400_000L, 7, null);
  }

  /**
   * The drop of the first day fails after its copy: the run reports it and moves the next day, reads
   * are the same as before throughout, the next run finishes the day and a third finds nothing.
   */
  public static void archiveInterruptedBeforeTheDropIsFinishedByTheNextRun(HotStore store) throws Exception {
    List<MarketRecord> day1 = new ArrayList<>();
    for (MarketRecord r : trades(0, 50)) {
      TradeRecord t = (TradeRecord) r;
      day1.add(new TradeRecord(t.exchange(), t.marketType(), t.symbol(), t.exchangeSymbol(), t.tsMs() + 86_400_000L,
          t.recvTsUs() + 86_400_000_000L, "d1-" + t.tradeId(), t.price(), t.quantity(), t.side()));
    }
    await(store.write(trades(0, 100)));
    await(store.write(day1));
    RecordQuery all = new RecordQuery(DataType.TRADE, null, null, null, DAY0, DAY0 + 2 * 86_400_000L, 7, null);
    List<String> before = readAll(store, all);
    assertThat(before).hasSize(150);

    JsonObject report = await(new ArchiveJob(LateRecords.firstDropFails(store)).run(DAY0 + 2 * 86_400_000L));
    assertThat(report.getJsonArray("failed")).hasSize(1);
    assertThat(report.getJsonArray("failed").getJsonObject(0).getString("day")).isEqualTo("2024-01-01");
    assertThat(report.getJsonArray("failed").getJsonObject(0).getString("error")).contains("connection reset");
    assertThat(report.getJsonArray("moved")).hasSize(1);
    assertThat(report.getJsonArray("moved").getJsonObject(0).getString("day")).isEqualTo("2024-01-02");
    assertThat(await(store.days(DataType.TRADE))).containsExactly(DAY);
    assertThat(readAll(store, all)).as("the day in both tiers").isEqualTo(before);

    JsonObject resumed = await(new ArchiveJob(store).run(DAY0 + 2 * 86_400_000L));
    assertThat(resumed.getJsonArray("failed")).isEmpty();
    assertThat(resumed.getJsonArray("moved")).hasSize(1);
    assertThat(resumed.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(100);
    assertThat(await(store.days(DataType.TRADE))).isEmpty();
    assertThat(await(store.cold().count(DataType.TRADE, DAY))).isEqualTo(100);
    assertThat(coldRows(store)).as("rows cold holds, repeats included").isEqualTo(150);
    assertThat(readAll(store, all)).isEqualTo(before);

    JsonObject again = await(new ArchiveJob(store).run(DAY0 + 2 * 86_400_000L));
    assertThat(again.getJsonArray("moved")).isEmpty();
    assertThat(again.getJsonArray("failed")).isEmpty();
    assertThat(readAll(store, all)).isEqualTo(before);
  }

  /** Every page of a query, each read with the tiers its range needs. */
  public static List<String> readAll(HotStore store, RecordQuery q) throws Exception {
    List<String> out = new ArrayList<>();
    Cursor cursor = null;
    do {
      RecordQuery page = new RecordQuery(q.type(), q.exchange(), q.marketType(), q.symbol(), q.startMs(), q.endMs(),
          q.limit(), cursor);
      Page p = await(store.records(page, TierPlan.of(q.startMs(), q.endMs(), await(store.cold().days(q.type())))));
      out.addAll(p.records());
      cursor = p.next();
    } while (cursor != null);
    return out;
  }

  @Test
  void archiveInterruptedBeforeTheDropIsFinishedByTheNextRun() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    archiveInterruptedBeforeTheDropIsFinishedByTheNextRun(store);
    await(store.close());
  }

  @Test
  void rerunAfterAFailedDropCopiesOnlyWhatColdLacks() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    rerunAfterAFailedDropCopiesOnlyWhatColdLacks(store, store::write);
    await(store.close());
  }

  /** A crash in the middle of writing a day's Parquet file leaves half a temporary file: the next run writes the day whole. */
  @Test
  void aCopyCutShortIsDoneAgainOverItsTemporaryFile() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    await(store.write(trades(0, 100)));
    List<String> before = readAll(store, dayZero());
    Path dayDir = Files.createDirectories(dir.resolve("cold").resolve("trade").resolve("date=" + DAY));
    Files.write(dayDir.resolve("part.parquet.tmp"), new byte[] {'P', 'A', 'R', '1', 0, 0, 0});
    assertThat(await(store.cold().days(DataType.TRADE))).isEmpty();

    JsonObject report = await(new ArchiveJob(store).run(DAY0 + 86_400_000L));
    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(100);
    assertThat(await(store.days(DataType.TRADE))).isEmpty();
    assertThat(coldRows(store)).isEqualTo(100);
    assertThat(readAll(store, dayZero())).isEqualTo(before);
    await(store.close());
  }

  @Test
  void aReadPlannedBeforeTheArchiveMovedItsDayAnswersEveryRecord() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    aReadPlannedBeforeTheArchiveMovedItsDayAnswersEveryRecord(store);
    await(store.close());
  }

  @Test
  void lateRecordMakesTheArchiveCopyAgainBeforeDeletingHotRows() throws Exception {
    DuckDbHotStore store = new DuckDbHotStore(vertx, dir.resolve("hot.duckdb"), dir.resolve("cold"));
    await(store.start());
    archivesLateRecord(store);
    await(store.close());
  }
}
