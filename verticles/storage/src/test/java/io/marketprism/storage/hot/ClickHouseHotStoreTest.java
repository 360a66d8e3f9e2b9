package io.marketprism.storage.hot;

import io.marketprism.storage.StorageOptions;
import io.marketprism.storage.archive.ArchiveLateRecordsTest;
import io.marketprism.testkit.ClickHouseServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

/** The ClickHouse hot store on the real server (the Debian 18.16 build): klines and archiving. */
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

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Test
  void barsCarryAnExactQuoteVolumeWithoutDecimalOverflow() throws Exception {
    KlineChecks.barsAreExactWithQuoteVolume(store("kq"));
  }

  @Test
  void lateRecordMakesTheArchiveCopyAgainBeforeDroppingThePartition() throws Exception {
    ArchiveLateRecordsTest.archivesLateRecord(store("al"));
  }
}
