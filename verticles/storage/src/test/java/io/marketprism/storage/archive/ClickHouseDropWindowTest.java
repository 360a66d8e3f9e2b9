package io.marketprism.storage.archive;

import io.marketprism.model.DataType;
import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.hot.ClickHouseHotStore;
import io.marketprism.storage.query.RecordQuery;
import io.marketprism.storage.query.TierPlan;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.marketprism.storage.archive.ArchiveLateRecordsTest.DAY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A record of a day written while the archive drops that day from ClickHouse is not dropped with
 * it, whichever storage instance on that ClickHouse writes it (ClickHouse gives no transaction
 * around the recount and the {@code DROP PARTITION}): the archive closes the day before counting
 * it, and writers put the records of a closed day into cold. The window is opened wide by a proxy
 * that holds the DROP.
 */
class ClickHouseDropWindowTest {

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

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** An HTTP proxy to ClickHouse that forwards every request but holds a DROP PARTITION until {@code release}. */
  private HttpServer holdingDrops(Future<Void> release, Promise<Void> held) throws Exception {
    return await(ClickHouseProxy.start(vertx, clickhouse.httpUrl(), statement -> {
      if (!statement.contains("DROP PARTITION")) {
        return Future.succeededFuture();
      }
      held.tryComplete();
      return release;
    }));
  }

  private ClickHouseHotStore store(String url) throws Exception {
    ClickHouseHotStore store = new ClickHouseHotStore(vertx, StorageOptions.from(new JsonObject().put("storage",
        new JsonObject().put("hot", new JsonObject().put("type", "clickhouse").put("url", url).put("database", "dw"))
            .put("cold", new JsonObject().put("database", "dw_cold")))));
    await(store.start());
    return store;
  }

  @Test
  void recordsEitherInstanceWritesDuringTheDropOfTheirDayAreKept() throws Exception {
    Promise<Void> release = Promise.promise();
    Promise<Void> held = Promise.promise();
    HttpServer proxy = holdingDrops(release.future(), held);
    ClickHouseHotStore archiving = store("http://127.0.0.1:" + proxy.actualPort());
    ClickHouseHotStore other = store(clickhouse.httpUrl()); // another storage instance on the same ClickHouse
    await(other.write(ArchiveLateRecordsTest.trades(0, 100)));

    Future<JsonObject> run = new ArchiveJob(archiving).run(ArchiveLateRecordsTest.DAY0 + TierPlan.DAY_MS);
    await(held.future()); // copied, verified, recounted: the DROP is on its way
    // the other instance routes by the fence it read before the archive closed the day: into hot
    await(other.write(ArchiveLateRecordsTest.trades(5000, 1)));
    Future<Void> own = archiving.write(ArchiveLateRecordsTest.trades(5001, 1));
    Thread.sleep(500); // an insert not held back commits meanwhile
    release.complete();
    JsonObject report = await(run);
    await(own);

    assertThat(report.getJsonArray("failed")).isEmpty();
    assertThat(report.getJsonArray("moved").getJsonObject(0).getLong("rows")).isEqualTo(102);
    assertThat(await(other.days(DataType.TRADE))).isEmpty();
    assertThat(await(other.cold().count(DataType.TRADE, DAY))).isEqualTo(102);
    RecordQuery day = new RecordQuery(DataType.TRADE, null, null, null, ArchiveLateRecordsTest.DAY0,
        ArchiveLateRecordsTest.DAY0 + TierPlan.DAY_MS, 1000, null);
    TierPlan bothTiers = TierPlan.of(day.startMs(), day.endMs(), await(other.cold().days(DataType.TRADE)));
    assertThat(await(other.records(day, bothTiers)).records()).hasSize(102);

    // and afterwards, a record of the closed day goes straight to cold
    await(other.write(ArchiveLateRecordsTest.trades(5002, 1)));
    assertThat(await(other.days(DataType.TRADE))).isEmpty();
    assertThat(await(other.cold().count(DataType.TRADE, DAY))).isEqualTo(103);
    await(archiving.close());
    await(other.close());
  }
}
